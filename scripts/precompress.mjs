// Writes a brotli (quality 11) and a gzip (level 9) copy beside every file of the site, so
// the server sends the smallest copy a browser takes without compressing per request.
// usage: node precompress.mjs SITE_DIR
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (!/\.(br|gz)$/.test(entry.name)) yield path;
  }
}

for (const path of files(process.argv[2])) {
  const plain = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(plain, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
    },
  }));
  writeFileSync(`${path}.gz`, gzipSync(plain, { level: 9 }));
}
