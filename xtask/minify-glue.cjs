// Minifies wasm-bindgen's JS glue in a page that trunk built (`node minify-glue.cjs DIST
// TERSER_DIR`), and puts the new file's hash in index.html's integrity attribute, so that
// the browser still checks what it loads. trunk minifies the CSS and HTML, not the glue.
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const [dist, terserDir] = process.argv.slice(2);
const { minify } = require(path.resolve(terserDir, "node_modules/terser"));

(async () => {
  const indexPath = path.join(dist, "index.html");
  let index = fs.readFileSync(indexPath, "utf8");
  for (const name of fs.readdirSync(dist).filter((f) => f.endsWith(".js"))) {
    const file = path.join(dist, name);
    const before = fs.readFileSync(file, "utf8");
    const result = await minify(before, { module: true, compress: true, mangle: true });
    const hash = (text) => "sha384-" + crypto.createHash("sha384").update(text).digest("base64");
    const [oldHash, newHash] = [hash(before), hash(result.code)];
    if (!index.includes(oldHash)) {
      throw new Error(`index.html has no integrity ${oldHash} for ${name}`);
    }
    fs.writeFileSync(file, result.code);
    index = index.split(oldHash).join(newHash);
    console.log(`${name}: ${before.length} -> ${result.code.length} bytes`);
  }
  fs.writeFileSync(indexPath, index);
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
