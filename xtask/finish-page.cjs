// Finishes a page that trunk built (`node finish-page.cjs DIST TERSER_DIR`):
// 1. minifies wasm-bindgen's JS glue with terser (trunk minifies the CSS and HTML, not
//    the glue), and puts the new file's hash in index.html's integrity attribute, so that
//    the browser still checks what it loads;
// 2. writes each file's brotli (`.br`) and gzip (`.gz`) beside it, which the server sends
//    to a browser that accepts them: what a trainee downloads.
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const zlib = require("zlib");

const [dist, terserDir] = process.argv.slice(2);
const { minify } = require(path.resolve(terserDir, "node_modules/terser"));
const hash = (text) => "sha384-" + crypto.createHash("sha384").update(text).digest("base64");

async function minifyGlue() {
  const indexPath = path.join(dist, "index.html");
  let index = fs.readFileSync(indexPath, "utf8");
  for (const name of fs.readdirSync(dist).filter((f) => f.endsWith(".js"))) {
    const file = path.join(dist, name);
    const before = fs.readFileSync(file, "utf8");
    const result = await minify(before, { module: true, compress: true, mangle: true });
    const [oldHash, newHash] = [hash(before), hash(result.code)];
    if (!index.includes(oldHash)) {
      throw new Error(`index.html has no integrity ${oldHash} for ${name}`);
    }
    fs.writeFileSync(file, result.code);
    index = index.split(oldHash).join(newHash);
    console.log(`${name}: ${before.length} -> ${result.code.length} bytes`);
  }
  fs.writeFileSync(indexPath, index);
}

function precompress() {
  const kinds = [".wasm", ".js", ".css", ".html", ".svg"];
  for (const name of fs.readdirSync(dist).filter((f) => kinds.some((k) => f.endsWith(k)))) {
    const file = path.join(dist, name);
    const bytes = fs.readFileSync(file);
    const br = zlib.brotliCompressSync(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    });
    fs.writeFileSync(file + ".br", br);
    fs.writeFileSync(file + ".gz", zlib.gzipSync(bytes, { level: 9 }));
    console.log(`${name}: ${bytes.length} bytes, ${br.length} brotli`);
  }
}

minifyGlue()
  .then(precompress)
  .catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
