import { describe, expect, it } from "vitest";
import { applyMovement, isValidTokenAmount, settleHold } from "../../src/wallet/ledger";

describe("applyMovement", () => {
  const empty = { balance: 0, held: 0, lastSeq: 0 };

  it("numbers entries and carries both totals", () => {
    const grant = applyMovement(empty, { type: "grant", amount: 500, heldDelta: 0 }, "t");
    expect(grant).toMatchObject({ seq: 1, id: "TX-00001", balanceAfter: 500, heldAfter: 0 });
    const debit = applyMovement({ balance: 500, held: 0, lastSeq: 1 }, { type: "debit", amount: -150, heldDelta: 150, jobId: "j" }, "t");
    expect(debit).toMatchObject({ seq: 2, id: "TX-00002", balanceAfter: 350, heldAfter: 150, jobId: "j" });
  });

  it("pads ids to five digits and grows past them", () => {
    expect(applyMovement({ balance: 0, held: 0, lastSeq: 10 }, { type: "grant", amount: 1, heldDelta: 0 }, "t").id).toBe("TX-00011");
    expect(applyMovement({ balance: 0, held: 0, lastSeq: 123456 }, { type: "grant", amount: 1, heldDelta: 0 }, "t").id).toBe("TX-123457");
  });

  it("never lets a total go below zero", () => {
    expect(() => applyMovement({ balance: 100, held: 0, lastSeq: 1 }, { type: "debit", amount: -150, heldDelta: 150 }, "t")).toThrow(/invariant/);
    expect(() => applyMovement({ balance: 0, held: 10, lastSeq: 1 }, { type: "refund", amount: 20, heldDelta: -20 }, "t")).toThrow(/invariant/);
  });
});

describe("settleHold", () => {
  it("captures the final cost and refunds the rest", () => {
    expect(settleHold(120, 120)).toEqual({ capture: 120, refund: 0 });
    expect(settleHold(155, 105)).toEqual({ capture: 105, refund: 50 });
    expect(settleHold(30, 0)).toEqual({ capture: 0, refund: 30 });
  });

  it("refuses to capture more than was held", () => {
    expect(() => settleHold(30, 31)).toThrow();
    expect(() => settleHold(30, -1)).toThrow();
    expect(() => settleHold(30, 1.5)).toThrow();
  });
});

describe("isValidTokenAmount", () => {
  it.each([[1, true], [150, true], [0, false], [-5, false], [1.5, false], [Number.NaN, false], [2e9, false]])("%s → %s", (n, ok) => {
    expect(isValidTokenAmount(n)).toBe(ok);
  });
});
