using System;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NormGen.Kernels;

/// <summary>
/// The activations a norm can fuse after its affine step, over spans, with PyTorch's definitions:
/// <c>relu</c>, <c>gelu</c> (exact, with erf), <c>gelu(approximate="tanh")</c> and <c>silu</c>, and
/// their backward passes. Generated kernels run them over each row while it is still in cache.
/// </summary>
/// <remarks>
/// <para>
/// Forward: <c>y = act(z)</c>; <c>y</c> may be the same memory as <c>z</c>. Backward:
/// <c>grad *= act'(z)</c> in place, turning the gradient of the activation's output into the
/// gradient of its input.
/// </para>
/// <para>
/// Every element goes through the same lane-wise code (the tail is padded to a whole vector) at the
/// widest SIMD width the machine runs well, and the operations do not depend on the width, so an
/// element's result depends on its value alone: not on its position, the span's length or the
/// machine's vector width. A NaN input gives NaN. float keeps float precision (erf within 1e-7 absolute, exp within about 1 ulp);
/// double keeps double precision (erf from fdlibm's rational approximations).
/// </para>
/// </remarks>
public static class Activations
{
    private const double Sqrt1Over2 = 0.70710678118654752440;  // 1/√2
    private const double InvSqrt2Pi = 0.39894228040143267794;  // 1/√(2π)
    private const double SqrtTwoOverPi = 0.79788456080286535588; // √(2/π)
    private const double Kappa = 0.044715;

    // ------------------------------------------------------------------ ReLU

    /// <summary><c>y = max(z, 0)</c>, as <c>torch.relu</c> (NaN stays NaN).</summary>
    public static void Relu(ReadOnlySpan<float> z, Span<float> y) => Map<float, ReluOp>(z, y);

    /// <inheritdoc cref="Relu(ReadOnlySpan{float}, Span{float})"/>
    public static void Relu(ReadOnlySpan<double> z, Span<double> y) => Map<double, ReluOp>(z, y);

    /// <summary><c>grad = z &gt; 0 ? grad : 0</c>, ReLU's backward (a NaN input passes the gradient through, as PyTorch's).</summary>
    public static void ReluBackward(ReadOnlySpan<float> z, Span<float> grad) => Scale<float, ReluOp>(z, grad);

    /// <inheritdoc cref="ReluBackward(ReadOnlySpan{float}, Span{float})"/>
    public static void ReluBackward(ReadOnlySpan<double> z, Span<double> grad) => Scale<double, ReluOp>(z, grad);

    // ------------------------------------------------------------------ GELU (exact)

    /// <summary><c>y = 0.5·z·(1 + erf(z/√2))</c>, as <c>torch.nn.functional.gelu(z)</c>.</summary>
    public static void Gelu(ReadOnlySpan<float> z, Span<float> y) => Map<float, GeluOp>(z, y);

    /// <inheritdoc cref="Gelu(ReadOnlySpan{float}, Span{float})"/>
    public static void Gelu(ReadOnlySpan<double> z, Span<double> y) => Map<double, GeluOp>(z, y);

    /// <summary><c>grad *= Φ(z) + z·φ(z)</c>, with Φ, φ the standard normal CDF and density: GELU's backward.</summary>
    public static void GeluBackward(ReadOnlySpan<float> z, Span<float> grad) => Scale<float, GeluOp>(z, grad);

    /// <inheritdoc cref="GeluBackward(ReadOnlySpan{float}, Span{float})"/>
    public static void GeluBackward(ReadOnlySpan<double> z, Span<double> grad) => Scale<double, GeluOp>(z, grad);

    // ------------------------------------------------------------------ GELU (tanh approximation)

    /// <summary>
    /// <c>y = 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))</c>, as <c>gelu(z, approximate="tanh")</c>;
    /// computed as the equal <c>z·σ(2u)</c>, which keeps full relative precision for negative z.
    /// </summary>
    public static void GeluTanh(ReadOnlySpan<float> z, Span<float> y) => Map<float, GeluTanhOp>(z, y);

    /// <inheritdoc cref="GeluTanh(ReadOnlySpan{float}, Span{float})"/>
    public static void GeluTanh(ReadOnlySpan<double> z, Span<double> y) => Map<double, GeluTanhOp>(z, y);

    /// <summary><c>grad *= d/dz gelu_tanh(z)</c>: the tanh-approximated GELU's backward.</summary>
    public static void GeluTanhBackward(ReadOnlySpan<float> z, Span<float> grad) => Scale<float, GeluTanhOp>(z, grad);

    /// <inheritdoc cref="GeluTanhBackward(ReadOnlySpan{float}, Span{float})"/>
    public static void GeluTanhBackward(ReadOnlySpan<double> z, Span<double> grad) => Scale<double, GeluTanhOp>(z, grad);

    // ------------------------------------------------------------------ SiLU

    /// <summary><c>y = z·σ(z) = z / (1 + e^(-z))</c>, as <c>torch.nn.functional.silu</c>.</summary>
    public static void Silu(ReadOnlySpan<float> z, Span<float> y) => Map<float, SiluOp>(z, y);

    /// <inheritdoc cref="Silu(ReadOnlySpan{float}, Span{float})"/>
    public static void Silu(ReadOnlySpan<double> z, Span<double> y) => Map<double, SiluOp>(z, y);

    /// <summary><c>grad *= σ(z)·(1 + z·(1 - σ(z)))</c>: SiLU's backward.</summary>
    public static void SiluBackward(ReadOnlySpan<float> z, Span<float> grad) => Scale<float, SiluOp>(z, grad);

    /// <inheritdoc cref="SiluBackward(ReadOnlySpan{float}, Span{float})"/>
    public static void SiluBackward(ReadOnlySpan<double> z, Span<double> grad) => Scale<double, SiluOp>(z, grad);

    // ------------------------------------------------------------------ erf

    /// <summary><c>y = erf(z)</c>, the error function GELU is built on (float: within 1e-7 absolute).</summary>
    public static void Erf(ReadOnlySpan<float> z, Span<float> y) => Map<float, ErfOp>(z, y);

    /// <summary><c>y = erf(z)</c>, the error function GELU is built on (double: within a few ulp).</summary>
    public static void Erf(ReadOnlySpan<double> z, Span<double> y) => Map<double, ErfOp>(z, y);

    // ------------------------------------------------------------------ drivers

    /// <summary>An activation: its value, and its derivative times an incoming gradient, lane by lane, at any width.</summary>
    private interface IActivation
    {
        static abstract TV Forward<TV>(TV z)
            where TV : struct, ISimdLanes<TV>;

        static abstract TV Backward<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>;
    }

    /// <summary>y = act(z) with the widest vectors the machine runs well.</summary>
    private static void Map<T, TActivation>(ReadOnlySpan<T> z, Span<T> y)
        where T : unmanaged
        where TActivation : IActivation
    {
        KernelArguments.RequireLength(y.Length, z.Length, nameof(y));
        KernelArguments.RequireNoPartialOverlap(z, y, nameof(y));
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> source = MemoryMarshal.Cast<T, float>(z);
            Span<float> destination = MemoryMarshal.Cast<T, float>(y);
            if (Vector512.IsHardwareAccelerated)
            {
                Map<float, V512F, TActivation>(source, destination);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Map<float, V256F, TActivation>(source, destination);
            }
            else
            {
                Map<float, V128F, TActivation>(source, destination);
            }
        }
        else
        {
            ReadOnlySpan<double> source = MemoryMarshal.Cast<T, double>(z);
            Span<double> destination = MemoryMarshal.Cast<T, double>(y);
            if (Vector512.IsHardwareAccelerated)
            {
                Map<double, V512D, TActivation>(source, destination);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Map<double, V256D, TActivation>(source, destination);
            }
            else
            {
                Map<double, V128D, TActivation>(source, destination);
            }
        }
    }

    /// <summary>grad = act'(z)·grad with the widest vectors the machine runs well.</summary>
    private static void Scale<T, TActivation>(ReadOnlySpan<T> z, Span<T> grad)
        where T : unmanaged
        where TActivation : IActivation
    {
        KernelArguments.RequireLength(grad.Length, z.Length, nameof(grad));
        KernelArguments.RequireNoPartialOverlap(z, grad, nameof(grad));
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> source = MemoryMarshal.Cast<T, float>(z);
            Span<float> gradient = MemoryMarshal.Cast<T, float>(grad);
            if (Vector512.IsHardwareAccelerated)
            {
                Scale<float, V512F, TActivation>(source, gradient);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Scale<float, V256F, TActivation>(source, gradient);
            }
            else
            {
                Scale<float, V128F, TActivation>(source, gradient);
            }
        }
        else
        {
            ReadOnlySpan<double> source = MemoryMarshal.Cast<T, double>(z);
            Span<double> gradient = MemoryMarshal.Cast<T, double>(grad);
            if (Vector512.IsHardwareAccelerated)
            {
                Scale<double, V512D, TActivation>(source, gradient);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Scale<double, V256D, TActivation>(source, gradient);
            }
            else
            {
                Scale<double, V128D, TActivation>(source, gradient);
            }
        }
    }

    /// <summary>Whole vectors, then the tail padded to one more vector.</summary>
    private static void Map<T, TV, TActivation>(ReadOnlySpan<T> z, Span<T> y)
        where T : unmanaged
        where TV : struct, ISimdLanes<TV>
        where TActivation : IActivation
    {
        ref T source = ref MemoryMarshal.GetReference(z);
        ref T destination = ref MemoryMarshal.GetReference(y);
        int count = TV.Count;
        int i = 0;
        for (; i <= z.Length - count; i += count)
        {
            TV v = Unsafe.ReadUnaligned<TV>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref source, i)));
            Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref destination, i)), TActivation.Forward(v));
        }

        if (i < z.Length)
        {
            MapTail<T, TV, TActivation>(z.Slice(i), y.Slice(i));
        }
    }

    /// <summary>The last, partial vector, padded with zeros; kept out of line so the loop keeps the JIT's inlining budget.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MapTail<T, TV, TActivation>(ReadOnlySpan<T> z, Span<T> y)
        where T : unmanaged
        where TV : struct, ISimdLanes<TV>
        where TActivation : IActivation
    {
        Span<T> tail = stackalloc T[TV.Count];
        tail.Clear();
        z.CopyTo(tail);
        ref byte lanes = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(tail));
        Unsafe.WriteUnaligned(ref lanes, TActivation.Forward(Unsafe.ReadUnaligned<TV>(ref lanes)));
        tail.Slice(0, z.Length).CopyTo(y);
    }

    /// <summary>Whole vectors, then the tail padded to one more vector.</summary>
    private static void Scale<T, TV, TActivation>(ReadOnlySpan<T> z, Span<T> grad)
        where T : unmanaged
        where TV : struct, ISimdLanes<TV>
        where TActivation : IActivation
    {
        ref T source = ref MemoryMarshal.GetReference(z);
        ref T gradient = ref MemoryMarshal.GetReference(grad);
        int count = TV.Count;
        int i = 0;
        for (; i <= z.Length - count; i += count)
        {
            ref byte g = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref gradient, i));
            TV v = Unsafe.ReadUnaligned<TV>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref source, i)));
            Unsafe.WriteUnaligned(ref g, TActivation.Backward(v, Unsafe.ReadUnaligned<TV>(ref g)));
        }

        if (i < z.Length)
        {
            ScaleTail<T, TV, TActivation>(z.Slice(i), grad.Slice(i));
        }
    }

    /// <summary>The last, partial vector, padded with zeros; kept out of line so the loop keeps the JIT's inlining budget.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScaleTail<T, TV, TActivation>(ReadOnlySpan<T> z, Span<T> grad)
        where T : unmanaged
        where TV : struct, ISimdLanes<TV>
        where TActivation : IActivation
    {
        Span<T> zTail = stackalloc T[TV.Count];
        Span<T> gTail = stackalloc T[TV.Count];
        zTail.Clear();
        gTail.Clear();
        z.CopyTo(zTail);
        grad.CopyTo(gTail);
        ref byte zLanes = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(zTail));
        ref byte gLanes = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(gTail));
        Unsafe.WriteUnaligned(ref gLanes, TActivation.Backward(Unsafe.ReadUnaligned<TV>(ref zLanes), Unsafe.ReadUnaligned<TV>(ref gLanes)));
        gTail.Slice(0, z.Length).CopyTo(grad);
    }

    /// <summary>Puts NaN back in the lanes whose input was NaN (clamps inside exp/erf may have hidden it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV KeepNaN<TV>(TV z, TV result)
        where TV : struct, ISimdLanes<TV>
        => TV.Select(TV.IsNotNaN(z), result, z);

    // ------------------------------------------------------------------ operators

    private readonly struct ReluOp : IActivation
    {
        // Selects rather than max: NaN compares false and stays, on every platform.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Forward<TV>(TV z)
            where TV : struct, ISimdLanes<TV>
            => TV.Select(TV.LessThan(z, TV.Create(0)), TV.Create(0), z);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Backward<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>
            => TV.Select(TV.LessThanOrEqual(z, TV.Create(0)), TV.Create(0), grad);
    }

    private readonly struct ErfOp : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Forward<TV>(TV z)
            where TV : struct, ISimdLanes<TV>
            => KeepNaN(z, VectorMath.Erf(z));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Backward<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>
            => grad * TV.Create(2 * InvSqrt2Pi * 1.41421356237309504880) * VectorMath.Exp(-(z * z));
    }

    private readonly struct GeluOp : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Forward<TV>(TV z)
            where TV : struct, ISimdLanes<TV>
        {
            TV erf = VectorMath.Erf(z * TV.Create(Sqrt1Over2));
            return KeepNaN(z, z * TV.Create(0.5) * (TV.Create(1) + erf));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Backward<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>
            => TV.IsSingle ? BackwardSingle(z, grad) : BackwardDouble(z, grad);

        // Φ(z) + z·φ(z); in float, e^(-z²/2) is the density's factor and the erf's large-argument piece needs it too.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV BackwardSingle<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>
        {
            TV x = z * TV.Create(Sqrt1Over2);
            TV gaussian = VectorMath.GaussianSingle(x);
            TV cdf = TV.Create(0.5) * (TV.Create(1) + VectorMath.ErfSingle(x, gaussian));
            return KeepNaN(z, grad * (cdf + z * (TV.Create(InvSqrt2Pi) * gaussian)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV BackwardDouble<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>
        {
            TV cdf = TV.Create(0.5) * (TV.Create(1) + VectorMath.ErfDouble(z * TV.Create(Sqrt1Over2)));
            TV pdf = TV.Create(InvSqrt2Pi) * VectorMath.Exp(z * z * TV.Create(-0.5));
            return KeepNaN(z, grad * (cdf + z * pdf));
        }
    }

    private readonly struct GeluTanhOp : IActivation
    {
        // 0.5·(1 + tanh(u)) = σ(2u) = 1 / (1 + e^(-2u)), with u = √(2/π)·(z + κz³).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Forward<TV>(TV z)
            where TV : struct, ISimdLanes<TV>
            => KeepNaN(z, z / (TV.Create(1) + VectorMath.Exp(MinusTwoU(z))));

        // d/dz z·s with s = σ(2u): s + z·2s(1 - s)·u', u' = √(2/π)·(1 + 3κz²).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Backward<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>
        {
            TV s = TV.Create(1) / (TV.Create(1) + VectorMath.Exp(MinusTwoU(z)));
            TV du = TV.Create(SqrtTwoOverPi) * (TV.Create(1) + TV.Create(3 * Kappa) * z * z);
            return KeepNaN(z, grad * (s + TV.Create(2) * z * s * (TV.Create(1) - s) * du));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV MinusTwoU<TV>(TV z)
            where TV : struct, ISimdLanes<TV>
            => TV.Create(-2 * SqrtTwoOverPi) * (z + TV.Create(Kappa) * z * z * z);
    }

    private readonly struct SiluOp : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Forward<TV>(TV z)
            where TV : struct, ISimdLanes<TV>
            => KeepNaN(z, z / (TV.Create(1) + VectorMath.Exp(-z)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Backward<TV>(TV z, TV grad)
            where TV : struct, ISimdLanes<TV>
        {
            TV s = TV.Create(1) / (TV.Create(1) + VectorMath.Exp(-z));
            return KeepNaN(z, grad * s * (TV.Create(1) + z * (TV.Create(1) - s)));
        }
    }
}
