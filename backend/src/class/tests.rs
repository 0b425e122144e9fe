//! The class's jobs, each on a class of its own (no server, no socket).

use shared::protocol::MAX_BROADCAST_LEN;

use super::*;

#[test]
fn names_are_checked_and_not_shared() {
    let class = Class::new(10, true);
    let (alice, _) = class.enter();
    let (bob, _) = class.enter();
    assert_eq!(class.name(alice, "alice"), Ok(Some("orders.created.alice".into())));
    // Bob is told the name he is too close to.
    assert_eq!(class.name(bob, "Alice"), Err(Problem::NameTaken { name: "alice".into() }));
    assert_eq!(class.name(bob, "\u{430}lice"), Err(Problem::NameMixedScripts { name: "\u{430}lice".into() }));
    assert!(matches!(class.name(bob, "bob\u{0}"), Err(Problem::NameInvalid { .. })));
    assert!(matches!(class.name(bob, ""), Err(Problem::NameInvalid { .. })));
    assert_eq!(class.name(bob, "Jean Dupont"), Ok(Some("orders.created.jean-dupont".into())));
    let (zoe, _) = class.enter();
    assert_eq!(class.name(zoe, "Zoé"), Ok(Some("orders.created.zoe".into())));
    let (zoe_too, _) = class.enter();
    assert_eq!(class.name(zoe_too, "Zoe"), Err(Problem::NameTaken { name: "Zoé".into() }), "one topic");
    // A session may say its own name again (a page that came back).
    assert!(class.name(alice, "alice").is_ok());
    class.leave(alice);
    assert!(class.name(bob, "alice").is_ok(), "a name is free once its session ended");
}

#[test]
fn a_key_opens_its_own_session_once_and_only_while_away() {
    let class = Class::new(10, false);
    let (id, key) = class.enter();
    assert!(class.reconnect(&key).is_none(), "a connected session is not waiting");
    let _returning = class.disconnected(id);
    assert!(class.reconnect("not-a-key").is_none());
    assert!(class.reconnect(&key).is_some());
    assert!(class.reconnect(&key).is_none(), "a key reconnects once");
}

#[test]
fn places_are_bounded_in_all_and_by_address() {
    let class = Arc::new(Class::new(10, false));
    let limits = Limits { sessions: 3, sessions_per_address: 2, ..Limits::default() };
    let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
    let first = class.take_place(a, &limits).unwrap();
    let _second = class.take_place(a, &limits).unwrap();
    let third = class.take_place(a, &limits);
    assert!(matches!(third, Err(Problem::Limit { ref limit, max: 2, got: 3 }) if *limit == Limit::SessionsPerAddress));
    let _other = class.take_place(b, &limits).unwrap();
    let full = class.take_place(b, &limits);
    assert!(matches!(full, Err(Problem::Limit { ref limit, max: 3, .. }) if *limit == Limit::Sessions));
    drop(first);
    assert!(class.take_place(a, &limits).is_ok(), "a place is given back with its session");
}

#[test]
fn a_session_takes_a_few_names_and_the_server_a_bounded_number_of_topics() {
    let class = Class::new(10, true).with_max_trainee_topics(4);
    let (alice, _) = class.enter();
    for name in ["alce", "alice", "alice", "Alice"] {
        assert!(class.name(alice, name).is_ok(), "{name}");
    }
    let fourth = class.name(alice, "alicia");
    assert!(matches!(fourth, Err(Problem::Limit { ref limit, max: 3, got: 4 }) if *limit == Limit::NamesPerSession));
    assert!(class.name(alice, "Alice").is_ok(), "its own name again is fine");
    // "alice" and "Alice" are one name with one topic: bob's is the third, carol's the fourth.
    let (bob, _) = class.enter();
    assert!(class.name(bob, "bob").is_ok(), "the third topic");
    let (carol, _) = class.enter();
    assert!(class.name(carol, "carol").is_ok(), "the fourth topic");
    let (dave, _) = class.enter();
    let full = class.name(dave, "dave");
    assert!(matches!(full, Err(Problem::Limit { ref limit, max: 4, .. }) if *limit == Limit::TraineeTopics));
    class.leave(bob);
    let (bob_again, _) = class.enter();
    assert!(class.name(bob_again, "bob").is_ok(), "bob's topic exists: no new one is needed");
}

#[test]
fn broadcasts_are_bounded() {
    let class = Class::new(10, false);
    let mut rx = class.broadcasts();
    assert!(class.broadcast("   ").is_err());
    assert!(class.broadcast(&"x".repeat(MAX_BROADCAST_LEN + 1)).is_err());
    assert_eq!(class.broadcast(" Break until 10:30 "), Ok(1));
    assert_eq!(rx.try_recv().unwrap(), "Break until 10:30");
}
