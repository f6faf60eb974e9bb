// SEMANTICS 6 (every rule) and 3: a second seeded DAG, 500 promises, another seed.
require('./stress-dag.js')(88172645, 500);
