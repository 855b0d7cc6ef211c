// Preloaded with `node --require`: when the process exits, writes the built-in
// modules it loaded, one a line, to the file LOADED_MODULES_FILE names.
const { writeFileSync } = require('node:fs');

process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, process.moduleLoadList.join('\n')));
