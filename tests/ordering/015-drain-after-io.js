// SEMANTICS 3 and 4.4: an I/O completion is a macrotask; its ticks and microtasks run right after it, before the check phase.
const fs = require('fs');
fs.readFile(__filename, () => {
  console.log('io');
  setImmediate(() => console.log('immediate from io'));
  queueMicrotask(() => {
    console.log('microtask from io');
    process.nextTick(() => console.log('tick from microtask from io'));
  });
  process.nextTick(() => console.log('tick from io'));
  console.log('io end');
});
console.log('main end');
