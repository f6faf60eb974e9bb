// Async context: a file system callback (a thread-pool request) sees the store of the
// call that started the request, not the store of whoever runs when it completes.
const { AsyncLocalStorage } = require('async_hooks');
const fs = require('fs');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
als.run('stat-1', () => {
  fs.stat('.', (err) => {
    log('stat 1 done' + (err ? ' with error' : ''));
    als.run('busy', () => setImmediate(() => log('immediate')));
    als.run('stat-2', () => fs.stat('/nonexistent/x', (err2) => log('stat 2 done' + (err2 ? ' with error' : ''))));
  });
});
