export { createRandom } from './prng.js';
export type { Random } from './prng.js';
export { generatePayments } from './synthetic-payments.js';
export type { SyntheticPayment, SyntheticPaymentsOptions } from './synthetic-payments.js';
