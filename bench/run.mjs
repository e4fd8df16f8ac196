#!/usr/bin/env node
// `npm run bench`: runs every benchmark and prints the results.
import { benchWallet } from "./wallet.mjs";

const wallet = await benchWallet();
console.log(`wallet: ${wallet.chargesPerSecond} charges/s through one account's Durable Object (${wallet.charges} charges, ${wallet.concurrency} concurrent)`);
