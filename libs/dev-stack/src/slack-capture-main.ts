import { createSlackCapture } from './slack-capture-server.js';

// Run by the dev stack: PORT and SLACK_CAPTURE_FILE come from the environment.
const app = createSlackCapture({ captureFile: process.env['SLACK_CAPTURE_FILE'] ?? 'slack-capture.jsonl', print: (l) => console.log(l) });
await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0) });
const close = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);
