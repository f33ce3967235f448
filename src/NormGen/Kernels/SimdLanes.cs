using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormGen.Kernels;

/// <summary>
/// The lane-wise operations the activations' math is written in, over one SIMD width and lane type, so the
/// math is written once and the JIT compiles it for the widest vector the machine runs well (net8.0 has no
/// <c>ISimdVector</c>). One small struct per width and lane type keeps every member tiny, so the JIT inlines
/// the whole of an activation into its loop. Comparisons return all-ones lanes where true.
/// </summary>
internal interface ISimdLanes<TSelf>
    where TSelf : struct, ISimdLanes<TSelf>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether the lanes are float (else double).</summary>
    static abstract bool IsSingle { get; }

    /// <summary>Every lane <paramref name="value"/>, converted to the lane type.</summary>
    static abstract TSelf Create(double value);

    /// <summary><paramref name="left"/>·<paramref name="right"/> + <paramref name="addend"/> (two roundings: no fused multiply-add).</summary>
    static abstract TSelf MultiplyAdd(TSelf left, TSelf right, double addend);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf value);

    static abstract TSelf Min(TSelf left, TSelf right);

    static abstract TSelf Max(TSelf left, TSelf right);

    static abstract TSelf Abs(TSelf value);

    static abstract TSelf LessThan(TSelf left, TSelf right);

    static abstract TSelf LessThanOrEqual(TSelf left, TSelf right);

    static abstract TSelf GreaterThan(TSelf left, TSelf right);

    static abstract TSelf GreaterThanOrEqual(TSelf left, TSelf right);

    /// <summary>All-ones lanes where <paramref name="value"/> is not NaN.</summary>
    static abstract TSelf IsNotNaN(TSelf value);

    /// <summary><paramref name="whenTrue"/> where <paramref name="mask"/> is set, else <paramref name="whenFalse"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf whenTrue, TSelf whenFalse);

    static abstract bool AnyGreaterThanOrEqual(TSelf left, TSelf right);

    static abstract bool AnyLessThan(TSelf left, TSelf right);

    static abstract bool AllLessThan(TSelf left, TSelf right);

    /// <summary><paramref name="magnitude"/> (non-negative) with the sign of <paramref name="sign"/>.</summary>
    static abstract TSelf WithSignOf(TSelf magnitude, TSelf sign);

    /// <summary>
    /// 2ⁿ for each lane of <paramref name="rounded"/> = n + 1.5·2^(mantissa bits), the form in which adding that
    /// constant rounds to an integer; n must be a normal exponent of the lane type.
    /// </summary>
    static abstract TSelf PowerOfTwo(TSelf rounded);
}

/// <summary>128-bit float lanes.</summary>
internal readonly struct V128F : ISimdLanes<V128F>
{
    public readonly Vector128<float> Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V128F(Vector128<float> value) => Value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<float>.Count;
    }

    public static bool IsSingle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F Create(double value) => new(Vector128.Create((float)value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F MultiplyAdd(V128F left, V128F right, double addend) => new(left.Value * right.Value + Vector128.Create((float)addend));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F operator +(V128F left, V128F right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F operator -(V128F left, V128F right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F operator *(V128F left, V128F right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F operator /(V128F left, V128F right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F operator -(V128F value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F Min(V128F left, V128F right) => new(Vector128.Min(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F Max(V128F left, V128F right) => new(Vector128.Max(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F Abs(V128F value) => new(Vector128.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F LessThan(V128F left, V128F right) => new(Vector128.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F LessThanOrEqual(V128F left, V128F right) => new(Vector128.LessThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F GreaterThan(V128F left, V128F right) => new(Vector128.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F GreaterThanOrEqual(V128F left, V128F right) => new(Vector128.GreaterThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F IsNotNaN(V128F value) => new(Vector128.Equals(value.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F Select(V128F mask, V128F whenTrue, V128F whenFalse) => new(Vector128.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyGreaterThanOrEqual(V128F left, V128F right) => Vector128.GreaterThanOrEqualAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLessThan(V128F left, V128F right) => Vector128.LessThanAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllLessThan(V128F left, V128F right) => Vector128.LessThanAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F WithSignOf(V128F magnitude, V128F sign) => new(magnitude.Value | (sign.Value & Vector128.Create(-0.0f)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128F PowerOfTwo(V128F rounded) => new(Vector128.ShiftLeft(rounded.Value.AsInt32() - Vector128.Create(0x4B400000 - 127), 23).AsSingle());
}

/// <summary>128-bit double lanes.</summary>
internal readonly struct V128D : ISimdLanes<V128D>
{
    public readonly Vector128<double> Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V128D(Vector128<double> value) => Value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<double>.Count;
    }

    public static bool IsSingle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D Create(double value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D MultiplyAdd(V128D left, V128D right, double addend) => new(left.Value * right.Value + Vector128.Create(addend));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D operator +(V128D left, V128D right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D operator -(V128D left, V128D right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D operator *(V128D left, V128D right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D operator /(V128D left, V128D right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D operator -(V128D value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D Min(V128D left, V128D right) => new(Vector128.Min(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D Max(V128D left, V128D right) => new(Vector128.Max(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D Abs(V128D value) => new(Vector128.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D LessThan(V128D left, V128D right) => new(Vector128.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D LessThanOrEqual(V128D left, V128D right) => new(Vector128.LessThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D GreaterThan(V128D left, V128D right) => new(Vector128.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D GreaterThanOrEqual(V128D left, V128D right) => new(Vector128.GreaterThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D IsNotNaN(V128D value) => new(Vector128.Equals(value.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D Select(V128D mask, V128D whenTrue, V128D whenFalse) => new(Vector128.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyGreaterThanOrEqual(V128D left, V128D right) => Vector128.GreaterThanOrEqualAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLessThan(V128D left, V128D right) => Vector128.LessThanAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllLessThan(V128D left, V128D right) => Vector128.LessThanAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D WithSignOf(V128D magnitude, V128D sign) => new(magnitude.Value | (sign.Value & Vector128.Create(-0.0)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128D PowerOfTwo(V128D rounded) => new(Vector128.ShiftLeft(rounded.Value.AsInt64() - Vector128.Create(0x4338000000000000L - 1023), 52).AsDouble());
}

/// <summary>256-bit float lanes.</summary>
internal readonly struct V256F : ISimdLanes<V256F>
{
    public readonly Vector256<float> Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V256F(Vector256<float> value) => Value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<float>.Count;
    }

    public static bool IsSingle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F Create(double value) => new(Vector256.Create((float)value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F MultiplyAdd(V256F left, V256F right, double addend) => new(left.Value * right.Value + Vector256.Create((float)addend));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F operator +(V256F left, V256F right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F operator -(V256F left, V256F right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F operator *(V256F left, V256F right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F operator /(V256F left, V256F right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F operator -(V256F value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F Min(V256F left, V256F right) => new(Vector256.Min(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F Max(V256F left, V256F right) => new(Vector256.Max(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F Abs(V256F value) => new(Vector256.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F LessThan(V256F left, V256F right) => new(Vector256.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F LessThanOrEqual(V256F left, V256F right) => new(Vector256.LessThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F GreaterThan(V256F left, V256F right) => new(Vector256.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F GreaterThanOrEqual(V256F left, V256F right) => new(Vector256.GreaterThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F IsNotNaN(V256F value) => new(Vector256.Equals(value.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F Select(V256F mask, V256F whenTrue, V256F whenFalse) => new(Vector256.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyGreaterThanOrEqual(V256F left, V256F right) => Vector256.GreaterThanOrEqualAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLessThan(V256F left, V256F right) => Vector256.LessThanAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllLessThan(V256F left, V256F right) => Vector256.LessThanAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F WithSignOf(V256F magnitude, V256F sign) => new(magnitude.Value | (sign.Value & Vector256.Create(-0.0f)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256F PowerOfTwo(V256F rounded) => new(Vector256.ShiftLeft(rounded.Value.AsInt32() - Vector256.Create(0x4B400000 - 127), 23).AsSingle());
}

/// <summary>256-bit double lanes.</summary>
internal readonly struct V256D : ISimdLanes<V256D>
{
    public readonly Vector256<double> Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V256D(Vector256<double> value) => Value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<double>.Count;
    }

    public static bool IsSingle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D Create(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D MultiplyAdd(V256D left, V256D right, double addend) => new(left.Value * right.Value + Vector256.Create(addend));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D operator +(V256D left, V256D right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D operator -(V256D left, V256D right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D operator *(V256D left, V256D right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D operator /(V256D left, V256D right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D operator -(V256D value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D Min(V256D left, V256D right) => new(Vector256.Min(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D Max(V256D left, V256D right) => new(Vector256.Max(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D Abs(V256D value) => new(Vector256.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D LessThan(V256D left, V256D right) => new(Vector256.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D LessThanOrEqual(V256D left, V256D right) => new(Vector256.LessThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D GreaterThan(V256D left, V256D right) => new(Vector256.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D GreaterThanOrEqual(V256D left, V256D right) => new(Vector256.GreaterThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D IsNotNaN(V256D value) => new(Vector256.Equals(value.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D Select(V256D mask, V256D whenTrue, V256D whenFalse) => new(Vector256.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyGreaterThanOrEqual(V256D left, V256D right) => Vector256.GreaterThanOrEqualAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLessThan(V256D left, V256D right) => Vector256.LessThanAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllLessThan(V256D left, V256D right) => Vector256.LessThanAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D WithSignOf(V256D magnitude, V256D sign) => new(magnitude.Value | (sign.Value & Vector256.Create(-0.0)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256D PowerOfTwo(V256D rounded) => new(Vector256.ShiftLeft(rounded.Value.AsInt64() - Vector256.Create(0x4338000000000000L - 1023), 52).AsDouble());
}

/// <summary>512-bit float lanes.</summary>
internal readonly struct V512F : ISimdLanes<V512F>
{
    public readonly Vector512<float> Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V512F(Vector512<float> value) => Value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<float>.Count;
    }

    public static bool IsSingle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F Create(double value) => new(Vector512.Create((float)value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F MultiplyAdd(V512F left, V512F right, double addend) => new(left.Value * right.Value + Vector512.Create((float)addend));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F operator +(V512F left, V512F right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F operator -(V512F left, V512F right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F operator *(V512F left, V512F right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F operator /(V512F left, V512F right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F operator -(V512F value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F Min(V512F left, V512F right) => new(Vector512.Min(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F Max(V512F left, V512F right) => new(Vector512.Max(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F Abs(V512F value) => new(Vector512.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F LessThan(V512F left, V512F right) => new(Vector512.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F LessThanOrEqual(V512F left, V512F right) => new(Vector512.LessThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F GreaterThan(V512F left, V512F right) => new(Vector512.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F GreaterThanOrEqual(V512F left, V512F right) => new(Vector512.GreaterThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F IsNotNaN(V512F value) => new(Vector512.Equals(value.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F Select(V512F mask, V512F whenTrue, V512F whenFalse) => new(Vector512.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyGreaterThanOrEqual(V512F left, V512F right) => Vector512.GreaterThanOrEqualAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLessThan(V512F left, V512F right) => Vector512.LessThanAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllLessThan(V512F left, V512F right) => Vector512.LessThanAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F WithSignOf(V512F magnitude, V512F sign) => new(magnitude.Value | (sign.Value & Vector512.Create(-0.0f)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512F PowerOfTwo(V512F rounded) => new(Vector512.ShiftLeft(rounded.Value.AsInt32() - Vector512.Create(0x4B400000 - 127), 23).AsSingle());
}

/// <summary>512-bit double lanes.</summary>
internal readonly struct V512D : ISimdLanes<V512D>
{
    public readonly Vector512<double> Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public V512D(Vector512<double> value) => Value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<double>.Count;
    }

    public static bool IsSingle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D Create(double value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D MultiplyAdd(V512D left, V512D right, double addend) => new(left.Value * right.Value + Vector512.Create(addend));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D operator +(V512D left, V512D right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D operator -(V512D left, V512D right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D operator *(V512D left, V512D right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D operator /(V512D left, V512D right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D operator -(V512D value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D Min(V512D left, V512D right) => new(Vector512.Min(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D Max(V512D left, V512D right) => new(Vector512.Max(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D Abs(V512D value) => new(Vector512.Abs(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D LessThan(V512D left, V512D right) => new(Vector512.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D LessThanOrEqual(V512D left, V512D right) => new(Vector512.LessThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D GreaterThan(V512D left, V512D right) => new(Vector512.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D GreaterThanOrEqual(V512D left, V512D right) => new(Vector512.GreaterThanOrEqual(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D IsNotNaN(V512D value) => new(Vector512.Equals(value.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D Select(V512D mask, V512D whenTrue, V512D whenFalse) => new(Vector512.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyGreaterThanOrEqual(V512D left, V512D right) => Vector512.GreaterThanOrEqualAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyLessThan(V512D left, V512D right) => Vector512.LessThanAny(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllLessThan(V512D left, V512D right) => Vector512.LessThanAll(left.Value, right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D WithSignOf(V512D magnitude, V512D sign) => new(magnitude.Value | (sign.Value & Vector512.Create(-0.0)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512D PowerOfTwo(V512D rounded) => new(Vector512.ShiftLeft(rounded.Value.AsInt64() - Vector512.Create(0x4338000000000000L - 1023), 52).AsDouble());
}
