//! The quiz of the checklist's sixth item: acks, ProduceAsync and the delivery result.

use shared::problem::Text;

/// A quiz question: the question, its answers, and which one is right.
pub struct Question {
    /// The question.
    pub question: Text,
    /// The answers.
    pub answers: [Text; 3],
    /// The right answer's index.
    pub right: u8,
    /// Why, shown once answered.
    pub why: Text,
}

/// The quiz of the checklist's sixth item.
pub const QUIZ: [Question; 3] = [
    Question {
        question: Text {
            en: "With acks=all, when does the producer count a message as delivered?",
            fr: "Avec acks=all, quand le producer compte-t-il un message comme livré ?",
        },
        answers: [
            Text { en: "When the partition leader wrote it", fr: "Quand le leader de la partition l'a écrit" },
            Text { en: "When every in-sync replica has it", fr: "Quand chaque réplique synchronisée (ISR) l'a" },
            Text { en: "When a consumer read it", fr: "Quand un consumer l'a lu" },
        ],
        right: 1,
        why: Text {
            en: "acks=all waits for the in-sync replicas (at least min.insync.replicas); acks=1 for the leader only.",
            fr: "acks=all attend les répliques synchronisées (au moins min.insync.replicas) ; acks=1 le leader seul.",
        },
    },
    Question {
        question: Text {
            en: "What does awaiting ProduceAsync give you in Confluent.Kafka?",
            fr: "Que donne l'attente (await) de ProduceAsync dans Confluent.Kafka ?",
        },
        answers: [
            Text {
                en: "Nothing: it returns once the message is in the local queue",
                fr: "Rien : il rend la main dès que le message est dans la file locale",
            },
            Text {
                en: "A DeliveryResult, once the broker acknowledged the message as acks asks",
                fr: "Un DeliveryResult, une fois le message acquitté par le broker selon acks",
            },
            Text { en: "The number of messages still to send", fr: "Le nombre de messages restant à envoyer" },
        ],
        right: 1,
        why: Text {
            en: "The task completes with the delivery report: awaiting each one is the lab's synchronous loop.",
            fr: "La tâche se termine avec le rapport de livraison : attendre chacun, c'est la boucle synchrone du lab.",
        },
    },
    Question {
        question: Text {
            en: "What does a successful delivery result tell you?",
            fr: "Que vous apprend un résultat de livraison réussi ?",
        },
        answers: [
            Text {
                en: "The topic, partition and offset where the message was written, and its status",
                fr: "Le topic, la partition et l'offset où le message est écrit, et son statut",
            },
            Text { en: "The consumer group's lag", fr: "Le retard (lag) du groupe de consumers" },
            Text { en: "How many brokers the cluster has", fr: "Combien de brokers compte le cluster" },
        ],
        right: 0,
        why: Text {
            en: "Status Persisted, with TopicPartitionOffset: the offset exists only with acks 1 or all.",
            fr: "Statut Persisted, avec TopicPartitionOffset : l'offset n'existe qu'avec acks 1 ou all.",
        },
    },
];
