using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Kernels;

/// <summary>
/// Lane-wise exp and erf on <see cref="Vector{T}"/>, for the fused activations. Every lane gets the
/// same operations whatever its neighbours hold, so a value's result never depends on where it sits.
/// </summary>
/// <remarks>
/// NaN handling is left to the callers (the activations put NaN back where the input was NaN), so
/// these routines may clamp without caring how the platform's min/max treat NaN.
/// </remarks>
internal static class VectorMath
{
    // ------------------------------------------------------------------ float

    /// <summary>
    /// e^x in float: Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 polynomial for
    /// e^r (Cephes' expf coefficients), and 2^n built in the exponent bits. About 1 ulp; saturates to
    /// +∞ above 88 and to 0 below ln(float.MinNormal) ≈ -87.34.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        const float High = 88.0f;
        const float Low = -87.33654f;
        const float RoundingMagic = 12582912f; // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits

        Vector<float> clamped = Vector.Min(Vector.Max(x, new Vector<float>(Low)), new Vector<float>(High));
        Vector<float> k = clamped * new Vector<float>(1.44269504088896341f) + new Vector<float>(RoundingMagic);
        Vector<float> n = k - new Vector<float>(RoundingMagic);
        Vector<float> r = clamped - n * new Vector<float>(0.693359375f) - n * new Vector<float>(-2.12194440e-4f);

        Vector<float> p = new Vector<float>(1.9875691500e-4f);
        p = p * r + new Vector<float>(1.3981999507e-3f);
        p = p * r + new Vector<float>(8.3334519073e-3f);
        p = p * r + new Vector<float>(4.1665795894e-2f);
        p = p * r + new Vector<float>(1.6666665459e-1f);
        p = p * r + new Vector<float>(5.0000001201e-1f);
        p = p * (r * r) + r + Vector<float>.One;

        Vector<int> exponent = Vector.AsVectorInt32(k) - Vector.AsVectorInt32(new Vector<float>(RoundingMagic)) + new Vector<int>(127);
        Vector<float> result = p * Vector.AsVectorSingle(Vector.ShiftLeft(exponent, 23));
        result = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(High)), new Vector<float>(float.PositiveInfinity), result);
        return Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(Low)), Vector<float>.Zero, result);
    }

    /// <summary>
    /// erf(x) in float, within 1e-7 of the exact value (two pieces: x + x·P(x²) below |x| = 1,
    /// 1 - e^(-x²)·Q(|x|) from 1 to 4, and ±1 beyond, where float's erf rounds to ±1 anyway).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Erf(Vector<float> x) => Erf(x, out _, computeGaussian: false);

    /// <summary>
    /// erf(x), and e^(-x²) in <paramref name="gaussian"/> when <paramref name="computeGaussian"/> is
    /// true (the large-argument piece needs it anyway, so GELU's backward gets its density for free).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Erf(Vector<float> x, out Vector<float> gaussian, bool computeGaussian)
    {
        Vector<float> ax = Vector.Abs(x);

        // |x| < 1: erf(x) = x + x·P(x²), P a degree-6 Chebyshev fit of erf(x)/x - 1 in x² on [0, 1].
        Vector<float> t = x * x;
        Vector<float> p = new Vector<float>(7.882497448008507e-05f);
        p = p * t + new Vector<float>(-8.018855005502701e-04f);
        p = p * t + new Vector<float>(5.189312156289816e-03f);
        p = p * t + new Vector<float>(-2.685432881116867e-02f);
        p = p * t + new Vector<float>(1.128359735012054e-01f);
        p = p * t + new Vector<float>(-3.761262595653534e-01f);
        p = p * t + new Vector<float>(1.283791661262512e-01f);
        Vector<float> small = x + x * p;

        bool anyLarge = Vector.GreaterThanOrEqualAny(ax, Vector<float>.One);
        if (!computeGaussian && !anyLarge)
        {
            gaussian = default;
            return small;
        }

        gaussian = Exp(-t);
        if (!anyLarge)
        {
            return small;
        }

        // 1 ≤ |x| < 4: erf(|x|) = 1 - e^(-x²)·Q(u), Q a degree-10 Chebyshev fit of erfc(x)·e^(x²) on
        // [1, 4] in u = (|x| - 2.5)/1.5. Past 4, erfc(x) < 2e-8 and 1 - erfc rounds to 1 in float.
        Vector<float> u = (Vector.Min(ax, new Vector<float>(4f)) - new Vector<float>(2.5f)) * new Vector<float>(2f / 3f);
        Vector<float> q = new Vector<float>(9.640451753512025e-05f);
        q = q * u + new Vector<float>(-2.4550259695388377e-04f);
        q = q * u + new Vector<float>(3.678686625789851e-04f);
        q = q * u + new Vector<float>(-9.155637817457318e-04f);
        q = q * u + new Vector<float>(2.425885060802102e-03f);
        q = q * u + new Vector<float>(-5.611762870103121e-03f);
        q = q * u + new Vector<float>(1.2484035454690456e-02f);
        q = q * u + new Vector<float>(-2.6997791603207588e-02f);
        q = q * u + new Vector<float>(5.611095950007439e-02f);
        q = q * u + new Vector<float>(-1.115214005112648e-01f);
        q = q * u + new Vector<float>(2.1080635488033295e-01f);

        Vector<float> large = Vector<float>.One - Vector.ConditionalSelect(
            Vector.GreaterThanOrEqual(ax, new Vector<float>(4f)), Vector<float>.Zero, gaussian * q);
        large = Vector.AsVectorSingle(Vector.AsVectorInt32(large) | (Vector.AsVectorInt32(x) & new Vector<int>(int.MinValue)));
        return Vector.ConditionalSelect(Vector.LessThan(ax, Vector<float>.One), small, large);
    }

    // ------------------------------------------------------------------ double

    /// <summary>
    /// e^x in double: x = n·ln2 + r with ln2 split in two (fdlibm's ln2_hi/ln2_lo), e^r by its Taylor
    /// polynomial to degree 13 (truncation below 2e-16 for |r| ≤ ln2/2), 2^n in the exponent bits.
    /// About 1 ulp; saturates to +∞ above 709 and to 0 below -708.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Exp(Vector<double> x)
    {
        const double High = 709.0;
        const double Low = -708.0;
        const double RoundingMagic = 6755399441055744.0; // 1.5·2^52

        Vector<double> clamped = Vector.Min(Vector.Max(x, new Vector<double>(Low)), new Vector<double>(High));
        Vector<double> k = clamped * new Vector<double>(1.4426950408889634) + new Vector<double>(RoundingMagic);
        Vector<double> n = k - new Vector<double>(RoundingMagic);
        Vector<double> r = clamped - n * new Vector<double>(6.93147180369123816490e-01) - n * new Vector<double>(1.90821492927058770002e-10);

        Vector<double> p = new Vector<double>(1.0 / 6227020800.0);
        p = p * r + new Vector<double>(1.0 / 479001600.0);
        p = p * r + new Vector<double>(1.0 / 39916800.0);
        p = p * r + new Vector<double>(1.0 / 3628800.0);
        p = p * r + new Vector<double>(1.0 / 362880.0);
        p = p * r + new Vector<double>(1.0 / 40320.0);
        p = p * r + new Vector<double>(1.0 / 5040.0);
        p = p * r + new Vector<double>(1.0 / 720.0);
        p = p * r + new Vector<double>(1.0 / 120.0);
        p = p * r + new Vector<double>(1.0 / 24.0);
        p = p * r + new Vector<double>(1.0 / 6.0);
        p = p * r + new Vector<double>(0.5);
        p = p * (r * r) + r + Vector<double>.One;

        Vector<long> exponent = Vector.AsVectorInt64(k) - Vector.AsVectorInt64(new Vector<double>(RoundingMagic)) + new Vector<long>(1023);
        Vector<double> result = p * Vector.AsVectorDouble(Vector.ShiftLeft(exponent, 52));
        result = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<double>(High)), new Vector<double>(double.PositiveInfinity), result);
        return Vector.ConditionalSelect(Vector.LessThan(x, new Vector<double>(Low)), Vector<double>.Zero, result);
    }

    /// <summary>
    /// erf(x) in double, within a few ulp: the rational approximations of Sun's fdlibm <c>s_erf.c</c>
    /// (the one in FreeBSD's msun and musl), evaluated for all lanes and blended; pieces no lane needs
    /// are skipped.
    /// </summary>
    /// <remarks>
    /// The coefficients are fdlibm's: Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
    /// Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and
    /// distribute this software is freely granted, provided that this notice is preserved.
    /// </remarks>
    public static Vector<double> Erf(Vector<double> x)
    {
        Vector<double> ax = Vector.Abs(x);

        // |x| < 0.84375: erf(x) = x + x·R(x²)/S(x²).
        Vector<double> z = x * x;
        Vector<double> r = new(-2.37630166566501626084e-05);
        r = r * z + new Vector<double>(-5.77027029648944159157e-03);
        r = r * z + new Vector<double>(-2.84817495755985104766e-02);
        r = r * z + new Vector<double>(-3.25042107247001499370e-01);
        r = r * z + new Vector<double>(1.28379167095512558561e-01);
        Vector<double> s = new(-3.96022827877536812320e-06);
        s = s * z + new Vector<double>(1.32494738004321644526e-04);
        s = s * z + new Vector<double>(5.08130628187576562776e-03);
        s = s * z + new Vector<double>(6.50222499887672944485e-02);
        s = s * z + new Vector<double>(3.97917223959155352819e-01);
        s = s * z + Vector<double>.One;
        Vector<double> small = x + x * (r / s);
        if (Vector.LessThanAll(ax, new Vector<double>(0.84375)))
        {
            return small;
        }

        // 0.84375 ≤ |x| < 1.25: erf(|x|) = erx + P(|x| - 1)/Q(|x| - 1).
        Vector<double> result = Vector<double>.One;
        if (Vector.LessThanAny(ax, new Vector<double>(1.25)))
        {
            Vector<double> d = ax - Vector<double>.One;
            Vector<double> p = new(-2.16637559486879084300e-03);
            p = p * d + new Vector<double>(3.54783043256182359371e-02);
            p = p * d + new Vector<double>(-1.10894694282396677476e-01);
            p = p * d + new Vector<double>(3.18346619901161753674e-01);
            p = p * d + new Vector<double>(-3.72207876035701323847e-01);
            p = p * d + new Vector<double>(4.14856118683748331666e-01);
            p = p * d + new Vector<double>(-2.36211856075265944077e-03);
            Vector<double> q = new(1.19844998467991074170e-02);
            q = q * d + new Vector<double>(1.36370839120290507362e-02);
            q = q * d + new Vector<double>(1.26171219808761642112e-01);
            q = q * d + new Vector<double>(7.18286544141962662868e-02);
            q = q * d + new Vector<double>(5.40397917702171048937e-01);
            q = q * d + new Vector<double>(1.06420880400844228286e-01);
            q = q * d + Vector<double>.One;
            result = new Vector<double>(8.45062911510467529297e-01) + p / q;
        }

        // 1.25 ≤ |x| < 6: erf(|x|) = 1 - e^(-x² - 0.5625 + R(1/x²)/S(1/x²))/|x|, with one pair of
        // polynomials below 1/0.35 and another above (blended lane by lane). Past 6, erf rounds to 1.
        if (Vector.GreaterThanOrEqualAny(ax, new Vector<double>(1.25)))
        {
            Vector<double> a = Vector.Min(Vector.Max(ax, new Vector<double>(1.25)), new Vector<double>(6.0));
            Vector<double> w = Vector<double>.One / (a * a);
            Vector<long> near = Vector.LessThan(a, new Vector<double>(1 / 0.35));
            Vector<double> rr = Pick(near, -9.81432934416914548592e+00, 0.0);
            rr = rr * w + Pick(near, -8.12874355063065934246e+01, -4.83519191608651397019e+02);
            rr = rr * w + Pick(near, -1.84605092906711035994e+02, -1.02509513161107724954e+03);
            rr = rr * w + Pick(near, -1.62396669462573470355e+02, -6.37566443368389627722e+02);
            rr = rr * w + Pick(near, -6.23753324503260060396e+01, -1.60636384855821916062e+02);
            rr = rr * w + Pick(near, -1.05586262253232909814e+01, -1.77579549177547519889e+01);
            rr = rr * w + Pick(near, -6.93858572707181764372e-01, -7.99283237680523006574e-01);
            rr = rr * w + Pick(near, -9.86494403484714822705e-03, -9.86494292470009928597e-03);
            Vector<double> ss = Pick(near, -6.04244152148580987438e-02, 0.0);
            ss = ss * w + Pick(near, 6.57024977031928170135e+00, -2.24409524465858183362e+01);
            ss = ss * w + Pick(near, 1.08635005541779435134e+02, 4.74528541206955367215e+02);
            ss = ss * w + Pick(near, 4.29008140027567833386e+02, 2.55305040643316442583e+03);
            ss = ss * w + Pick(near, 6.45387271733267880336e+02, 3.19985821950859553908e+03);
            ss = ss * w + Pick(near, 4.34565877475229228821e+02, 1.53672958608443695994e+03);
            ss = ss * w + Pick(near, 1.37657754143519042600e+02, 3.25792512996573918826e+02);
            ss = ss * w + Pick(near, 1.96512716674392571292e+01, 3.03380607434824582924e+01);
            ss = ss * w + Vector<double>.One;
            Vector<double> erfc = Exp(-(a * a) - new Vector<double>(0.5625) + rr / ss) / a;
            Vector<double> tail = Vector.ConditionalSelect(
                Vector.GreaterThanOrEqual(ax, new Vector<double>(6.0)), Vector<double>.One, Vector<double>.One - erfc);
            result = Vector.ConditionalSelect(Vector.LessThan(ax, new Vector<double>(1.25)), result, tail);
        }

        result = Vector.AsVectorDouble(Vector.AsVectorInt64(result) | (Vector.AsVectorInt64(x) & new Vector<long>(long.MinValue)));
        return Vector.ConditionalSelect(Vector.LessThan(ax, new Vector<double>(0.84375)), small, result);
    }

    /// <summary><paramref name="near"/>'s lanes get <paramref name="first"/>, the others <paramref name="second"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Pick(Vector<long> near, double first, double second) =>
        Vector.ConditionalSelect(near, new Vector<double>(first), new Vector<double>(second));
}
