/// The generator's 256-bit state as four words, so a trainer's random streams can be saved to a
/// model file and continued exactly where they stopped.
extension Xoshiro256StarStar {
    /// s₀, s₁, s₂, s₃: never all zero.
    public var stateWords: [UInt64] { [s.0, s.1, s.2, s.3] }

    /// A generator that continues from `stateWords` (four words, not all zero: xoshiro's one
    /// forbidden state), or nil when the words cannot be a generator's state.
    public init?(stateWords w: [UInt64]) {
        guard w.count == 4, w.contains(where: { $0 != 0 }) else { return nil }
        self.init(seed: 0)
        s = (w[0], w[1], w[2], w[3])
    }
}
