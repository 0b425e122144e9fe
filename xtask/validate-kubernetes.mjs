// Validates the Kubernetes manifests against Kubernetes' own OpenAPI schemas, as
// kubernetes-models bundles them: `cargo xtask test` runs it with the folder where npm
// installed kubernetes-models and js-yaml, then the manifests. Exits 1 on any error.
//
//   node xtask/validate-kubernetes.mjs target/tools/kubernetes deploy/kubernetes/*.yaml

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [tools, ...files] = process.argv.slice(2);
const module = (path) => import(pathToFileURL(join(tools, "node_modules", path)).href);
const yaml = await module("js-yaml/dist/js-yaml.mjs");

// Kinds with a schema in kubernetes-models, by apiVersion and kind.
const models = {
  "apps/v1 Deployment": "kubernetes-models/apps/v1/Deployment.js",
  "v1 Service": "kubernetes-models/v1/Service.js",
  "v1 Secret": "kubernetes-models/v1/Secret.js",
  "networking.k8s.io/v1 Ingress": "kubernetes-models/networking.k8s.io/v1/Ingress.js",
};
// Custom resources whose schema is their operator's (backend/tests/compose.rs checks them).
const custom = new Set(["kafka.strimzi.io/v1beta2 KafkaTopic"]);

let failed = 0;
let checked = 0;
for (const file of files) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (!doc) continue;
    const what = `${doc.apiVersion} ${doc.kind}`;
    const name = `${file}: ${what} ${doc.metadata?.name ?? "(no name)"}`;
    if (custom.has(what)) {
      console.log(`skip  ${name} (its operator's schema)`);
      continue;
    }
    const path = models[what];
    if (!path) {
      console.log(`FAIL  ${name}: no schema known for ${what}`);
      failed++;
      continue;
    }
    const Model = Object.values(await module(path))[0];
    try {
      new Model(doc).validate();
      console.log(`ok    ${name}`);
      checked++;
    } catch (e) {
      console.log(`FAIL  ${name}: ${e.message}`);
      failed++;
    }
  }
}
console.log(`${checked} valid, ${failed} invalid`);
process.exit(failed === 0 && checked > 0 ? 0 : 1);
