/// Adam's running moments and step count, so a saved optimiser resumes exactly.
extension AdamOptimizer {
    /// m and v (empty before the first update, else one entry per parameter) and t.
    public struct Moments: Sendable, Equatable {
        public var m: [Float]
        public var v: [Float]
        public var step: Int
        public init(m: [Float], v: [Float], step: Int) {
            self.m = m
            self.v = v
            self.step = step
        }
        public static func == (a: Moments, b: Moments) -> Bool {
            a.m.map(\.bitPattern) == b.m.map(\.bitPattern) && a.v.map(\.bitPattern) == b.v.map(\.bitPattern) && a.step == b.step
        }
    }

    public var moments: Moments {
        get { Moments(m: m, v: v, step: step) }
        set {
            precondition(newValue.m.count == newValue.v.count, "m and v need one entry per parameter each")
            m = newValue.m
            v = newValue.v
            step = newValue.step
        }
    }
}
