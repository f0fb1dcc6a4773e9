// Prints vitest's JSON results as one plain closing line, "N passed, N failed, N skipped", so
// that anything reading the end of a CI log can count the tests without parsing vitest's output.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
const results = JSON.parse(readFileSync(file, 'utf8'));
const skipped = results.numPendingTests + results.numTodoTests;
console.log(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
process.exit(results.numFailedTests > 0 || results.numTotalTests === 0 ? 1 : 0);
