// SEMANTICS 4 (consequences): an immediate queued from an I/O callback runs before a 0 ms timer queued there.
const fs = require('fs');
fs.readFile(__filename, () => {
  console.log('io');
  setTimeout(() => console.log('timeout 0 from io'), 0);
  setImmediate(() => console.log('immediate from io'));
});
