// SEMANTICS 6 (every rule) and 3: seeded DAG of 300 promises mixing every combinator, thenables, next-ticks and immediates.
require('./stress-dag.js')(2463534242, 300);
