// SEMANTICS 3 + 4 + 9: a child's exit callback is an I/O macrotask of the poll phase: its next-ticks, then its microtasks, run right after it; an immediate queued there runs before a 0 ms timer.
const { spawn } = require('child_process');
const child = spawn('true', [], { stdio: 'ignore' });
child.on('exit', (code, signal) => {
  console.log(`exit ${code} ${signal}`);
  setTimeout(() => console.log('timeout 0 from exit'), 0);
  setImmediate(() => console.log('immediate from exit'));
  Promise.resolve().then(() => console.log('microtask from exit'));
  process.nextTick(() => console.log('tick from exit'));
});
console.log('spawned');
