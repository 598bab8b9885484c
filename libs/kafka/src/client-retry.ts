/**
 * How every client of either library retries a connection or request by default. The backoff cap is
 * the Java client's `reconnect.backoff.max.ms` and `retry.backoff.max.ms` (1 s). kafkajs's own cap
 * (30 s) left every service in a 17–25 s wait when a SIGKILLed broker came back (issue 23), long
 * enough for the restarted group coordinator to expire their members, whose commits then failed and
 * whose batches were redone: 4,409 duplicated features in one `--short` chaos run. 50 retries keep
 * about 50 s of backoff before an operation gives up, as kafkajs's 8 retries up to 30 s did.
 */
export const defaultClientRetry = { initialRetryTime: 200, maxRetryTime: 1000, retries: 50 } as const;
