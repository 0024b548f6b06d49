// asyncapi_check.cjs - validates an AsyncAPI document with the AsyncAPI
// project's own parser (@asyncapi/parser, installed by scripts/setup.sh into
// .state/asyncapi; its node_modules folder is given as BS_ASYNCAPI_MODULES).
//
//   node asyncapi_check.cjs FILE
//
// Prints every diagnostic (severity, rule code, path, message) on stdout and
// exits 0 when the parser made a document with no error, 1 when it did not,
// 2 on a bad command line. $refs are resolved relative to FILE.
'use strict';
const fs = require('fs');
const path = require('path');

const SEVERITY = ['error', 'warning', 'info', 'hint'];

async function main() {
  const file = process.argv[2];
  const modules = process.env.BS_ASYNCAPI_MODULES;
  if (!file || !modules) {
    console.error('usage: BS_ASYNCAPI_MODULES=DIR node asyncapi_check.cjs FILE');
    return 2;
  }
  const { Parser, fromFile } = require(path.resolve(modules, '@asyncapi', 'parser'));
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, path.resolve(file)).parse();
  let errors = 0;
  for (const d of diagnostics) {
    const severity = SEVERITY[d.severity] || String(d.severity);
    if (d.severity === 0) errors++;
    console.log(`${severity}\t${d.code}\t${(d.path || []).join('.')}\t${d.message}`);
  }
  const version = JSON.parse(
    fs.readFileSync(path.resolve(modules, '@asyncapi', 'parser', 'package.json'), 'utf8')).version;
  if (!document || errors > 0) {
    console.log(`invalid: ${file} (${errors} errors; @asyncapi/parser ${version})`);
    return 1;
  }
  console.log(`valid: ${file} (AsyncAPI ${document.version()}, ` +
              `${document.channels().length} channels, ${document.operations().length} ` +
              `operations, ${document.messages().length} messages; @asyncapi/parser ${version})`);
  return 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
