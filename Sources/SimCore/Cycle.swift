/// Simulated time in clock cycles. Cycles are integers everywhere in elsa-sim; conversion to seconds
/// happens only in reports, at the configured clock.
public typealias Cycle = Int64
