// SEMANTICS 4.1 + 5 (Node's per-duration timer lists): late timers run list by list, not strictly by deadline
function busy(ms){const e=Date.now()+ms; while(Date.now()<e);}
setTimeout(()=>console.log('A10'),10);
setTimeout(()=>console.log('C11'),11);
busy(2);
setTimeout(()=>console.log('B12'),10);
busy(30);
