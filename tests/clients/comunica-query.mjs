// Run one SPARQL query with Comunica against a SPARQL endpoint; print JSON.
//
//   node comunica-query.mjs select|ask|construct ENDPOINT QUERY
//
// Output (stdout, one JSON document):
//   select:    {"bindings": [{"var": {"termType", "value", "language"?, "datatype"?}}, ...]}
//   ask:       {"boolean": true|false}
//   construct: {"quads": [{"subject": term, "predicate": term, "object": term}, ...]}
// Errors go to stderr with exit code 1 (usage: 2).
import comunica from '@comunica/query-sparql';

const { QueryEngine } = comunica;

function term(t) {
  const out = { termType: t.termType, value: t.value };
  if (t.termType === 'Literal') {
    if (t.language) out.language = t.language;
    else if (t.datatype) out.datatype = t.datatype.value;
  }
  return out;
}

async function main(argv) {
  const [mode, endpoint, query] = argv;
  if (!['select', 'ask', 'construct'].includes(mode) || !endpoint || !query) {
    process.stderr.write('usage: node comunica-query.mjs select|ask|construct ENDPOINT QUERY\n');
    return 2;
  }
  const engine = new QueryEngine();
  const context = { sources: [{ type: 'sparql', value: endpoint }], lenient: false };
  let result;
  if (mode === 'select') {
    const stream = await engine.queryBindings(query, context);
    const rows = await stream.toArray();
    result = {
      bindings: rows.map((b) => {
        const row = {};
        for (const [variable, value] of b) row[variable.value] = term(value);
        return row;
      }),
    };
  } else if (mode === 'ask') {
    result = { boolean: await engine.queryBoolean(query, context) };
  } else {
    const stream = await engine.queryQuads(query, context);
    const quads = await stream.toArray();
    result = {
      quads: quads.map((q) => ({
        subject: term(q.subject),
        predicate: term(q.predicate),
        object: term(q.object),
      })),
    };
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`comunica-query: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
