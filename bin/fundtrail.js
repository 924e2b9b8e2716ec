#!/usr/bin/env node
// The `fundtrail` command: runs the compiled CLI (built by `npm install`, `npm run build` or `npm start`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('fundtrail is not built yet: run `npm install` (it builds) or `npm run build` first.\n');
  process.exit(2);
}
require(entry);
