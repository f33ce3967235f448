using System.Runtime.CompilerServices;

namespace NormGen.Kernels;

/// <summary>
/// Lane-wise exp and erf for the fused activations, written once over <see cref="ISimdLanes{TSelf}"/> and
/// compiled for each width. Every lane gets the same operations whatever its neighbours hold, and the
/// operations do not depend on the width, so a value's result is the same at any position and on any machine.
/// </summary>
/// <remarks>
/// NaN handling is left to the callers (the activations put NaN back where the input was NaN), so these
/// routines may clamp without caring how a runtime's min/max treat NaN.
/// </remarks>
internal static class VectorMath
{
    /// <summary>
    /// e^x. float: Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 polynomial for e^r (Cephes'
    /// expf coefficients), 2ⁿ built in the exponent bits; about 1 ulp; +∞ above 88, 0 below ln(float.MinNormal).
    /// double: the same reduction with fdlibm's ln2_hi/ln2_lo, e^r by its Taylor polynomial to degree 13
    /// (truncation below 2e-16); about 1 ulp; +∞ above 709, 0 below -708.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
        => TV.IsSingle ? Saturate(x, ExpInRangeSingle(TV.Min(TV.Max(x, TV.Create(-87.33654)), TV.Create(88.0))), -87.33654, 88.0)
                       : Saturate(x, ExpInRangeDouble(TV.Min(TV.Max(x, TV.Create(-708.0)), TV.Create(709.0))), -708.0, 709.0);

    /// <summary>e^x for x already inside the range where e^x is a normal number (no saturation handling).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpInRange<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
        => TV.IsSingle ? ExpInRangeSingle(x) : ExpInRangeDouble(x);

    /// <summary>+∞ above <paramref name="high"/>, 0 below <paramref name="low"/>, else <paramref name="result"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Saturate<TV>(TV x, TV result, double low, double high)
        where TV : struct, ISimdLanes<TV>
    {
        result = TV.Select(TV.GreaterThan(x, TV.Create(high)), TV.Create(double.PositiveInfinity), result);
        return TV.Select(TV.LessThan(x, TV.Create(low)), TV.Create(0), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpInRangeSingle<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
    {
        TV rounding = TV.Create(12582912.0); // 1.5·2^23: adding it rounds to an integer kept in the low mantissa bits
        TV k = TV.MultiplyAdd(x, TV.Create(1.44269504088896341), 12582912.0);
        TV n = k - rounding;
        TV r = x - n * TV.Create(0.693359375) - n * TV.Create(-2.12194440e-4);

        TV p = TV.Create(1.9875691500e-4);
        p = TV.MultiplyAdd(p, r, 1.3981999507e-3);
        p = TV.MultiplyAdd(p, r, 8.3334519073e-3);
        p = TV.MultiplyAdd(p, r, 4.1665795894e-2);
        p = TV.MultiplyAdd(p, r, 1.6666665459e-1);
        p = TV.MultiplyAdd(p, r, 5.0000001201e-1);
        p = p * (r * r) + r + TV.Create(1);
        return p * TV.PowerOfTwo(k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpInRangeDouble<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
    {
        TV rounding = TV.Create(6755399441055744.0); // 1.5·2^52
        TV k = TV.MultiplyAdd(x, TV.Create(1.4426950408889634), 6755399441055744.0);
        TV n = k - rounding;
        TV r = x - n * TV.Create(6.93147180369123816490e-01) - n * TV.Create(1.90821492927058770002e-10);

        TV p = TV.Create(1.0 / 6227020800.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 479001600.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 39916800.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 3628800.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 362880.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 40320.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 5040.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 720.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 120.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 24.0);
        p = TV.MultiplyAdd(p, r, 1.0 / 6.0);
        p = TV.MultiplyAdd(p, r, 0.5);
        p = p * (r * r) + r + TV.Create(1);
        return p * TV.PowerOfTwo(k);
    }

    /// <summary>erf(x): float within 1e-7 (absolute) of the exact value, double within a few ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Erf<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
        => TV.IsSingle ? ErfSingle(x) : ErfDouble(x);

    /// <summary>e^(-x²) in float lanes, with -x² clamped to where it is a normal float (beyond, it only multiplies terms that vanish).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV GaussianSingle<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
        => ExpInRangeSingle(TV.Max(-(x * x), TV.Create(-87.33654)));

    /// <summary>
    /// erf(x) in float lanes. Two pieces: x + x·P(x²/2 - 1) for |x| &lt; 2, and 1 - e^(-x²)·Q(|x| - 3) from 2 to 4
    /// (±1 beyond, where float's erf rounds to ±1), P and Q being Chebyshev fits (of erf(x)/x - 1 on x² ∈ [0, 4],
    /// and of erfc(x)·e^(x²) on [2, 4]). Normalized activations seldom reach |x| = 2 (|z| = 2.8 before the
    /// 1/√2), so most vectors never evaluate the second piece.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ErfSingle<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
    {
        TV small = ErfSingleSmall(x);
        return TV.AnyGreaterThanOrEqual(TV.Abs(x), TV.Create(2)) ? ErfSingleBlend(x, small, GaussianSingle(x)) : small;
    }

    /// <summary>erf(x) in float lanes given <paramref name="gaussian"/> = <see cref="GaussianSingle"/>(x), which GELU's backward needs anyway.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ErfSingle<TV>(TV x, TV gaussian)
        where TV : struct, ISimdLanes<TV>
    {
        TV small = ErfSingleSmall(x);
        return TV.AnyGreaterThanOrEqual(TV.Abs(x), TV.Create(2)) ? ErfSingleBlend(x, small, gaussian) : small;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ErfSingleSmall<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
    {
        TV u = TV.MultiplyAdd(x * x, TV.Create(0.5), -1.0);
        TV p = TV.Create(2.665988631633809e-06);
        p = TV.MultiplyAdd(p, u, -1.5101700228115078e-05);
        p = TV.MultiplyAdd(p, u, 7.15845453669317e-05);
        p = TV.MultiplyAdd(p, u, -0.00033397358492948115);
        p = TV.MultiplyAdd(p, u, 0.0014052042970433831);
        p = TV.MultiplyAdd(p, u, -0.005235390737652779);
        p = TV.MultiplyAdd(p, u, 0.017128318548202515);
        p = TV.MultiplyAdd(p, u, -0.048662684857845306);
        p = TV.MultiplyAdd(p, u, 0.11947914212942123);
        p = TV.MultiplyAdd(p, u, -0.261111855506897);
        p = TV.MultiplyAdd(p, u, -0.32506677508354187);
        return x + x * p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ErfSingleBlend<TV>(TV x, TV small, TV gaussian)
        where TV : struct, ISimdLanes<TV>
    {
        TV ax = TV.Abs(x);
        TV v = TV.Min(ax, TV.Create(4)) - TV.Create(3);
        TV q = TV.Create(9.471501834923401e-05);
        q = TV.MultiplyAdd(q, v, -0.0003638132766354829);
        q = TV.MultiplyAdd(q, v, 0.001215876778587699);
        q = TV.MultiplyAdd(q, v, -0.004459078889340162);
        q = TV.MultiplyAdd(q, v, 0.015885822474956512);
        q = TV.MultiplyAdd(q, v, -0.05437483638525009);
        q = TV.MultiplyAdd(q, v, 0.1790011078119278);

        TV large = TV.Create(1) - TV.Select(TV.GreaterThanOrEqual(ax, TV.Create(4)), TV.Create(0), gaussian * q);
        return TV.Select(TV.LessThan(ax, TV.Create(2)), small, TV.WithSignOf(large, x));
    }

    /// <summary>
    /// erf(x) in double lanes, within a few ulp: the rational approximations of Sun's fdlibm <c>s_erf.c</c> (the
    /// one in FreeBSD's msun and musl), evaluated for all lanes and blended; pieces no lane needs are skipped.
    /// </summary>
    /// <remarks>
    /// The coefficients are fdlibm's: Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
    /// Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and
    /// distribute this software is freely granted, provided that this notice is preserved.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ErfDouble<TV>(TV x)
        where TV : struct, ISimdLanes<TV>
    {
        TV ax = TV.Abs(x);

        // |x| < 0.84375: erf(x) = x + x·R(x²)/S(x²).
        TV z = x * x;
        TV r = TV.Create(-2.37630166566501626084e-05);
        r = TV.MultiplyAdd(r, z, -5.77027029648944159157e-03);
        r = TV.MultiplyAdd(r, z, -2.84817495755985104766e-02);
        r = TV.MultiplyAdd(r, z, -3.25042107247001499370e-01);
        r = TV.MultiplyAdd(r, z, 1.28379167095512558561e-01);
        TV s = TV.Create(-3.96022827877536812320e-06);
        s = TV.MultiplyAdd(s, z, 1.32494738004321644526e-04);
        s = TV.MultiplyAdd(s, z, 5.08130628187576562776e-03);
        s = TV.MultiplyAdd(s, z, 6.50222499887672944485e-02);
        s = TV.MultiplyAdd(s, z, 3.97917223959155352819e-01);
        s = TV.MultiplyAdd(s, z, 1);
        TV small = x + x * (r / s);
        if (TV.AllLessThan(ax, TV.Create(0.84375)))
        {
            return small;
        }

        // 0.84375 ≤ |x| < 1.25: erf(|x|) = erx + P(|x| - 1)/Q(|x| - 1).
        TV result = TV.Create(1);
        if (TV.AnyLessThan(ax, TV.Create(1.25)))
        {
            TV d = ax - TV.Create(1);
            TV p = TV.Create(-2.16637559486879084300e-03);
            p = TV.MultiplyAdd(p, d, 3.54783043256182359371e-02);
            p = TV.MultiplyAdd(p, d, -1.10894694282396677476e-01);
            p = TV.MultiplyAdd(p, d, 3.18346619901161753674e-01);
            p = TV.MultiplyAdd(p, d, -3.72207876035701323847e-01);
            p = TV.MultiplyAdd(p, d, 4.14856118683748331666e-01);
            p = TV.MultiplyAdd(p, d, -2.36211856075265944077e-03);
            TV q = TV.Create(1.19844998467991074170e-02);
            q = TV.MultiplyAdd(q, d, 1.36370839120290507362e-02);
            q = TV.MultiplyAdd(q, d, 1.26171219808761642112e-01);
            q = TV.MultiplyAdd(q, d, 7.18286544141962662868e-02);
            q = TV.MultiplyAdd(q, d, 5.40397917702171048937e-01);
            q = TV.MultiplyAdd(q, d, 1.06420880400844228286e-01);
            q = TV.MultiplyAdd(q, d, 1);
            result = TV.Create(8.45062911510467529297e-01) + p / q;
        }

        // 1.25 ≤ |x| < 6: erf(|x|) = 1 - e^(-x² - 0.5625 + R(1/x²)/S(1/x²))/|x|, with one pair of polynomials
        // below 1/0.35 and another above (blended lane by lane). Past 6, erf rounds to 1 in double.
        if (TV.AnyGreaterThanOrEqual(ax, TV.Create(1.25)))
        {
            TV a = TV.Min(TV.Max(ax, TV.Create(1.25)), TV.Create(6.0));
            TV w = TV.Create(1) / (a * a);
            TV near = TV.LessThan(a, TV.Create(1 / 0.35));
            TV rr = Pick(near, -9.81432934416914548592e+00, 0.0);
            rr = rr * w + Pick(near, -8.12874355063065934246e+01, -4.83519191608651397019e+02);
            rr = rr * w + Pick(near, -1.84605092906711035994e+02, -1.02509513161107724954e+03);
            rr = rr * w + Pick(near, -1.62396669462573470355e+02, -6.37566443368389627722e+02);
            rr = rr * w + Pick(near, -6.23753324503260060396e+01, -1.60636384855821916062e+02);
            rr = rr * w + Pick(near, -1.05586262253232909814e+01, -1.77579549177547519889e+01);
            rr = rr * w + Pick(near, -6.93858572707181764372e-01, -7.99283237680523006574e-01);
            rr = rr * w + Pick(near, -9.86494403484714822705e-03, -9.86494292470009928597e-03);
            TV ss = Pick(near, -6.04244152148580987438e-02, 0.0);
            ss = ss * w + Pick(near, 6.57024977031928170135e+00, -2.24409524465858183362e+01);
            ss = ss * w + Pick(near, 1.08635005541779435134e+02, 4.74528541206955367215e+02);
            ss = ss * w + Pick(near, 4.29008140027567833386e+02, 2.55305040643316442583e+03);
            ss = ss * w + Pick(near, 6.45387271733267880336e+02, 3.19985821950859553908e+03);
            ss = ss * w + Pick(near, 4.34565877475229228821e+02, 1.53672958608443695994e+03);
            ss = ss * w + Pick(near, 1.37657754143519042600e+02, 3.25792512996573918826e+02);
            ss = ss * w + Pick(near, 1.96512716674392571292e+01, 3.03380607434824582924e+01);
            ss = TV.MultiplyAdd(ss, w, 1);
            TV erfc = ExpInRangeDouble(-(a * a) - TV.Create(0.5625) + rr / ss) / a;
            TV tail = TV.Select(TV.GreaterThanOrEqual(ax, TV.Create(6.0)), TV.Create(1), TV.Create(1) - erfc);
            result = TV.Select(TV.LessThan(ax, TV.Create(1.25)), result, tail);
        }

        return TV.Select(TV.LessThan(ax, TV.Create(0.84375)), small, TV.WithSignOf(result, x));
    }

    /// <summary><paramref name="near"/>'s lanes get <paramref name="first"/>, the others <paramref name="second"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Pick<TV>(TV near, double first, double second)
        where TV : struct, ISimdLanes<TV>
        => TV.Select(near, TV.Create(first), TV.Create(second));
}
