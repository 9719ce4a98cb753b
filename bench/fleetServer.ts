/**
 * The fake fleet as its own process, for the benchmark. A real provider does not share the
 * client's event loop: on the same thread the server's work per token would sit inside every
 * client's timings and hide the differences between them. Prints one JSON line
 * (`{"baseUrl","apiKey"}`), takes behaviours at `POST /v1/__fleet/default`, stops on SIGTERM or
 * when its parent goes away.
 */
import { main } from '../test/fixtures/fleet';

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// Never outlive the benchmark, even when it is killed without a chance to clean up.
process.on('disconnect', () => process.exit(0));
