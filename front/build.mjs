// Bundles src/ into service/static/dist/ with content-hashed names, and writes
// manifest.json (source name -> hashed file) that service/pages/assets.py reads:
// the hashes let the app serve dist/ with a year-long immutable cache.
//   node build.mjs [--outdir=DIR]
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const outArg = process.argv.find((arg) => arg.startsWith("--outdir="));
const outdir = path.resolve(outArg ? outArg.slice("--outdir=".length) : path.join(here, "../service/static/dist"));

// One entry per page family (plus the shared base); a new face adds its file here.
const entryPoints = [
  "base.css",
  "base.js",
  "visitor.css",
  "claim.js",
  "pass.js",
  "review.js",
  "sw.js",
  "desk.css",
  "desk.js",
  "desk-sw.js",
  "office.css",
  "office.js",
  "schema.js",
  "sites.css",
  "sites.js",
].map((name) => path.join(here, "src", name));

await rm(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints,
  outdir,
  bundle: true,
  format: "esm",
  splitting: true,
  minify: true,
  sourcemap: "linked",
  // The phones the Lot's visitors carry: Safari 15 and Chrome 100 are years old.
  target: ["es2020", "chrome100", "safari15", "firefox100"],
  entryNames: "[name]-[hash]",
  chunkNames: "chunks/[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  // Leaflet's stylesheet names its control images
  loader: { ".png": "file", ".svg": "file" },
  metafile: true,
  logLevel: "warning",
});

const manifest = {};
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint) {
    manifest[path.basename(meta.entryPoint)] = path.relative(outdir, path.resolve(output)).split(path.sep).join("/");
  }
}
await writeFile(path.join(outdir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`built ${Object.keys(manifest).length} entries into ${path.relative(process.cwd(), outdir) || "."}`);
