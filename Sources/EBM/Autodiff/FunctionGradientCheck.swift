/// Central finite differences for any function of a parameter vector, checked against a
/// gradient computed another way (automatic differentiation of a user function).
extension FiniteDifferenceCheck {
    /// Compares `analytic` (∂f/∂θ at `point`) with (f(θ + h eₖ) − f(θ − h eₖ)) / 2h for `count`
    /// components picked with `seed` (all when there are no more), h = 1e-5.
    ///
    /// - Parameters:
    ///   - names: one name per component of θ, for the table (`W[0, 1]`).
    ///   - f: the function; its errors propagate.
    public static func check(function f: ([Double]) throws -> Double, at point: [Double], analytic: [Double],
                             names: [String], count: Int = 20, seed: UInt64 = 0) throws -> FiniteDifferenceCheck {
        precondition(analytic.count == point.count && names.count == point.count, "one gradient entry and name per component")
        let h = 1e-5
        var components: [Component] = []
        for k in sample(point.count, count: count, seed: seed) {
            var plus = point, minus = point
            plus[k] += h
            minus[k] -= h
            let numeric = (try f(plus) - f(minus)) / (2 * h)
            components.append(Component(name: names[k], analytic: analytic[k], numeric: numeric))
        }
        return FiniteDifferenceCheck(components: components, parameterCount: point.count, step: h)
    }
}
