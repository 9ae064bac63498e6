/** What each charger state means (the API's rule, first match wins). */
export function StateLegend() {
  return (
    <details className="legend">
      <summary>What the states mean</summary>
      <dl className="facts">
        <dt>offline</dt>
        <dd>not connected</dd>
        <dt>unknown</dt>
        <dd>no connector status yet</dd>
        <dt>faulted</dt>
        <dd>a connector is Faulted or reports an error code</dd>
        <dt>charging</dt>
        <dd>a connector is Charging, SuspendedEV or SuspendedEVSE (OCPP 2.0.1: Occupied, and its session says so)</dd>
        <dt>occupied</dt>
        <dd>a connector is Preparing, Finishing, Reserved or Occupied</dd>
        <dt>unavailable</dt>
        <dd>every connector is Unavailable</dd>
        <dt>available</dt>
        <dd>at least one connector is Available</dd>
      </dl>
    </details>
  );
}
