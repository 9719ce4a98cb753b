// Loaded by mocha before every spec (see .mocharc.json). A promise nobody awaited that rejects is a
// bug, even when the test around it happened to pass: make it fail the run.
process.on('unhandledRejection', (error) => {
  console.error(error);
  process.exitCode = 1;
  throw error;
});
