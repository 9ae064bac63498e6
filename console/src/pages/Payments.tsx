import { useState } from "react";
import { api, call } from "../api/client";
import type { Schemas } from "../api/client";
import { ErrorAlert, Notice } from "../components/Alert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { PageHeader } from "../components/Layout";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime, formatMoney, minorDigits } from "../format";

type Payment = Schemas["PaymentView"];

export function PaymentsPage() {
  const [paymentId, setPaymentId] = useState("");
  const [payment, setPayment] = useState<Payment | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  // One key per refund the operator means, so a retried click cannot refund twice.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());

  async function lookUp() {
    setError(null);
    setNotice("");
    try {
      setPayment(await call(api().GET("/api/payments/{paymentId}", { params: { path: { paymentId: paymentId.trim() } } })));
    } catch (failure) {
      setPayment(null);
      setError(failure);
    }
  }

  async function refund(target: Payment) {
    setError(null);
    const minor = amount.trim() ? Math.round(Number(amount) * 10 ** minorDigits(target.currency)) : null;
    if (minor !== null && !(minor > 0)) {
      setError(new Error("Enter the amount to refund as a positive number, e.g. 2.50, or leave it empty."));
      return;
    }
    try {
      const answer = await call(
        api().POST("/api/payments/{paymentId}/refunds", {
          params: { path: { paymentId: target.paymentId } },
          headers: { "Idempotency-Key": idempotencyKey },
          body: { amountMinor: minor, reason: reason.trim() },
        }),
      );
      setPayment(answer.payment);
      setNotice(`Refunded ${formatMoney(answer.refund.amountMinor, target.currency)} (${answer.refund.status}).`);
      setAmount("");
      setReason("");
      setIdempotencyKey(crypto.randomUUID());
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <>
      <PageHeader title="Payments" />
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void lookUp();
        }}
      >
        <label>
          Payment id
          <input value={paymentId} required onChange={(e) => setPaymentId(e.target.value)} />
        </label>
        <button type="submit" className="button button-primary">
          Look up
        </button>
      </form>
      <ErrorAlert error={error} />
      {notice ? <Notice>{notice}</Notice> : null}
      {payment ? (
        <div className="cards">
          <section className="card">
            <h2>Payment {payment.paymentId}</h2>
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <StateBadge state={payment.status} testId="payment-status" />
              </dd>
              <dt>Kind</dt>
              <dd>{payment.kind}</dd>
              <dt>Amount</dt>
              <dd>{formatMoney(payment.amountMinor, payment.currency)}</dd>
              <dt>Captured</dt>
              <dd>{formatMoney(payment.capturedMinor, payment.currency)}</dd>
              <dt>Refunded</dt>
              <dd>{formatMoney(payment.refundedMinor, payment.currency)}</dd>
              <dt>Refundable</dt>
              <dd>{formatMoney(payment.refundableMinor, payment.currency)}</dd>
              <dt>Session</dt>
              <dd>{payment.sessionRef ?? "—"}</dd>
              <dt>Created</dt>
              <dd>{formatDateTime(payment.createdAt)}</dd>
            </dl>
          </section>
          <section className="card">
            <h2>Refund</h2>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                setConfirming(true);
              }}
            >
              <label className="field">
                Amount in {payment.currency} (empty: everything refundable)
                <input value={amount} inputMode="decimal" onChange={(e) => setAmount(e.target.value)} />
              </label>
              <label className="field">
                Reason
                <input value={reason} required onChange={(e) => setReason(e.target.value)} />
              </label>
              <button type="submit" className="button" disabled={payment.refundableMinor <= 0}>
                Refund
              </button>
            </form>
            {payment.refunds.length ? (
              <table>
                <caption>Refunds</caption>
                <thead>
                  <tr>
                    <th scope="col">At</th>
                    <th scope="col">Amount</th>
                    <th scope="col">Status</th>
                    <th scope="col">Reason</th>
                    <th scope="col">By</th>
                  </tr>
                </thead>
                <tbody>
                  {payment.refunds.map((r) => (
                    <tr key={r.refundId}>
                      <td>{formatDateTime(r.at)}</td>
                      <td>{formatMoney(r.amountMinor, payment.currency)}</td>
                      <td>{r.status}</td>
                      <td>{r.reason}</td>
                      <td>{r.operator}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </section>
        </div>
      ) : null}
      {confirming && payment ? (
        <ConfirmDialog
          title="Refund this payment?"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void refund(payment);
          }}
        >
          <p>
            Refund {amount.trim() ? `${amount} ${payment.currency}` : formatMoney(payment.refundableMinor, payment.currency)} of payment{" "}
            {payment.paymentId}: {reason}
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
