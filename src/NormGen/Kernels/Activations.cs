using System;
using System.Numerics;
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
/// Every element goes through the same vector code (the tail is padded to a whole vector), so an
/// element's result depends on its value alone, never on its position or the span's length. A NaN
/// input gives NaN. float keeps float precision (erf within 1e-7 absolute, exp within about 1 ulp);
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
    public static void Relu(ReadOnlySpan<float> z, Span<float> y) => Map<float, ReluOp<float>>(z, y);

    /// <inheritdoc cref="Relu(ReadOnlySpan{float}, Span{float})"/>
    public static void Relu(ReadOnlySpan<double> z, Span<double> y) => Map<double, ReluOp<double>>(z, y);

    /// <summary><c>grad = z &gt; 0 ? grad : 0</c>, ReLU's backward (a NaN input passes the gradient through, as PyTorch's).</summary>
    public static void ReluBackward(ReadOnlySpan<float> z, Span<float> grad) => Scale<float, ReluOp<float>>(z, grad);

    /// <inheritdoc cref="ReluBackward(ReadOnlySpan{float}, Span{float})"/>
    public static void ReluBackward(ReadOnlySpan<double> z, Span<double> grad) => Scale<double, ReluOp<double>>(z, grad);

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

    /// <summary>An activation: its value, and its derivative times an incoming gradient, lane by lane.</summary>
    private interface IActivation<T>
        where T : unmanaged
    {
        static abstract Vector<T> Forward(Vector<T> z);

        static abstract Vector<T> Backward(Vector<T> z, Vector<T> grad);
    }

    /// <summary>y = act(z), whole vectors, then the tail padded to one more vector.</summary>
    private static void Map<T, TActivation>(ReadOnlySpan<T> z, Span<T> y)
        where T : unmanaged, INumberBase<T>
        where TActivation : IActivation<T>
    {
        KernelArguments.RequireLength(y.Length, z.Length, nameof(y));
        KernelArguments.RequireNoPartialOverlap(z, y, nameof(y));

        ref T source = ref MemoryMarshal.GetReference(z);
        ref T destination = ref MemoryMarshal.GetReference(y);
        int count = Vector<T>.Count;
        int i = 0;
        for (; i <= z.Length - count; i += count)
        {
            Vector<T> v = Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref source, i)));
            Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref destination, i)), TActivation.Forward(v));
        }

        if (i < z.Length)
        {
            Span<T> tail = stackalloc T[count];
            tail.Clear();
            z.Slice(i).CopyTo(tail);
            Vector<T> result = TActivation.Forward(new Vector<T>(tail));
            result.CopyTo(tail);
            tail.Slice(0, z.Length - i).CopyTo(y.Slice(i));
        }
    }

    /// <summary>grad = act'(z)·grad, whole vectors, then the tail padded to one more vector.</summary>
    private static void Scale<T, TActivation>(ReadOnlySpan<T> z, Span<T> grad)
        where T : unmanaged, INumberBase<T>
        where TActivation : IActivation<T>
    {
        KernelArguments.RequireLength(grad.Length, z.Length, nameof(grad));
        KernelArguments.RequireNoPartialOverlap(z, grad, nameof(grad));

        ref T source = ref MemoryMarshal.GetReference(z);
        ref T gradient = ref MemoryMarshal.GetReference(grad);
        int count = Vector<T>.Count;
        int i = 0;
        for (; i <= z.Length - count; i += count)
        {
            ref byte g = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref gradient, i));
            Vector<T> v = Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref source, i)));
            Unsafe.WriteUnaligned(ref g, TActivation.Backward(v, Unsafe.ReadUnaligned<Vector<T>>(ref g)));
        }

        if (i < z.Length)
        {
            Span<T> zTail = stackalloc T[count];
            Span<T> gTail = stackalloc T[count];
            zTail.Clear();
            gTail.Clear();
            z.Slice(i).CopyTo(zTail);
            grad.Slice(i).CopyTo(gTail);
            TActivation.Backward(new Vector<T>(zTail), new Vector<T>(gTail)).CopyTo(gTail);
            gTail.Slice(0, z.Length - i).CopyTo(grad.Slice(i));
        }
    }

    /// <summary>Puts NaN back in the lanes whose input was NaN (clamps inside exp/erf may have hidden it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> KeepNaN(Vector<float> z, Vector<float> result) =>
        Vector.ConditionalSelect(Vector.Equals(z, z), result, z);

    /// <inheritdoc cref="KeepNaN(Vector{float}, Vector{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> KeepNaN(Vector<double> z, Vector<double> result) =>
        Vector.ConditionalSelect(Vector.Equals(z, z), result, z);

    // ------------------------------------------------------------------ operators

    private readonly struct ReluOp<T> : IActivation<T>
        where T : unmanaged, INumberBase<T>
    {
        // Selects rather than max: NaN compares false and stays, on every platform.
        public static Vector<T> Forward(Vector<T> z) => Vector.ConditionalSelect(Vector.LessThan(z, Vector<T>.Zero), Vector<T>.Zero, z);

        public static Vector<T> Backward(Vector<T> z, Vector<T> grad) =>
            Vector.ConditionalSelect(Vector.LessThanOrEqual(z, Vector<T>.Zero), Vector<T>.Zero, grad);
    }

    private readonly struct ErfOp : IActivation<float>, IActivation<double>
    {
        public static Vector<float> Forward(Vector<float> z) => KeepNaN(z, VectorMath.Erf(z));

        public static Vector<double> Forward(Vector<double> z) => KeepNaN(z, VectorMath.Erf(z));

        public static Vector<float> Backward(Vector<float> z, Vector<float> grad) =>
            grad * new Vector<float>((float)(2 * InvSqrt2Pi * Math.Sqrt(2))) * VectorMath.Exp(-(z * z));

        public static Vector<double> Backward(Vector<double> z, Vector<double> grad) =>
            grad * new Vector<double>(2 * InvSqrt2Pi * 1.41421356237309504880) * VectorMath.Exp(-(z * z));
    }

    private readonly struct GeluOp : IActivation<float>, IActivation<double>
    {
        public static Vector<float> Forward(Vector<float> z)
        {
            Vector<float> erf = VectorMath.Erf(z * new Vector<float>((float)Sqrt1Over2));
            return KeepNaN(z, z * new Vector<float>(0.5f) * (Vector<float>.One + erf));
        }

        public static Vector<double> Forward(Vector<double> z)
        {
            Vector<double> erf = VectorMath.Erf(z * new Vector<double>(Sqrt1Over2));
            return KeepNaN(z, z * new Vector<double>(0.5) * (Vector<double>.One + erf));
        }

        public static Vector<float> Backward(Vector<float> z, Vector<float> grad)
        {
            // The erf routine's large-argument piece already computes e^(-z²/2), the density's factor.
            Vector<float> erf = VectorMath.Erf(z * new Vector<float>((float)Sqrt1Over2), out Vector<float> gaussian, computeGaussian: true);
            Vector<float> cdf = new Vector<float>(0.5f) * (Vector<float>.One + erf);
            Vector<float> pdf = new Vector<float>((float)InvSqrt2Pi) * gaussian;
            return KeepNaN(z, grad * (cdf + z * pdf));
        }

        public static Vector<double> Backward(Vector<double> z, Vector<double> grad)
        {
            Vector<double> erf = VectorMath.Erf(z * new Vector<double>(Sqrt1Over2));
            Vector<double> cdf = new Vector<double>(0.5) * (Vector<double>.One + erf);
            Vector<double> pdf = new Vector<double>(InvSqrt2Pi) * VectorMath.Exp(z * z * new Vector<double>(-0.5));
            return KeepNaN(z, grad * (cdf + z * pdf));
        }
    }

    private readonly struct GeluTanhOp : IActivation<float>, IActivation<double>
    {
        // 0.5·(1 + tanh(u)) = σ(2u) = 1 / (1 + e^(-2u)), with u = √(2/π)·(z + κz³).
        public static Vector<float> Forward(Vector<float> z)
        {
            Vector<float> e = VectorMath.Exp(MinusTwoU(z));
            return KeepNaN(z, z / (Vector<float>.One + e));
        }

        public static Vector<double> Forward(Vector<double> z)
        {
            Vector<double> e = VectorMath.Exp(MinusTwoU(z));
            return KeepNaN(z, z / (Vector<double>.One + e));
        }

        // d/dz z·s with s = σ(2u): s + z·2s(1 - s)·u', u' = √(2/π)·(1 + 3κz²).
        public static Vector<float> Backward(Vector<float> z, Vector<float> grad)
        {
            Vector<float> s = Vector<float>.One / (Vector<float>.One + VectorMath.Exp(MinusTwoU(z)));
            Vector<float> du = new Vector<float>((float)SqrtTwoOverPi) * (Vector<float>.One + new Vector<float>((float)(3 * Kappa)) * z * z);
            return KeepNaN(z, grad * (s + new Vector<float>(2f) * z * s * (Vector<float>.One - s) * du));
        }

        public static Vector<double> Backward(Vector<double> z, Vector<double> grad)
        {
            Vector<double> s = Vector<double>.One / (Vector<double>.One + VectorMath.Exp(MinusTwoU(z)));
            Vector<double> du = new Vector<double>(SqrtTwoOverPi) * (Vector<double>.One + new Vector<double>(3 * Kappa) * z * z);
            return KeepNaN(z, grad * (s + new Vector<double>(2.0) * z * s * (Vector<double>.One - s) * du));
        }

        private static Vector<float> MinusTwoU(Vector<float> z) =>
            new Vector<float>((float)(-2 * SqrtTwoOverPi)) * (z + new Vector<float>((float)Kappa) * z * z * z);

        private static Vector<double> MinusTwoU(Vector<double> z) =>
            new Vector<double>(-2 * SqrtTwoOverPi) * (z + new Vector<double>(Kappa) * z * z * z);
    }

    private readonly struct SiluOp : IActivation<float>, IActivation<double>
    {
        public static Vector<float> Forward(Vector<float> z) => KeepNaN(z, z / (Vector<float>.One + VectorMath.Exp(-z)));

        public static Vector<double> Forward(Vector<double> z) => KeepNaN(z, z / (Vector<double>.One + VectorMath.Exp(-z)));

        public static Vector<float> Backward(Vector<float> z, Vector<float> grad)
        {
            Vector<float> s = Vector<float>.One / (Vector<float>.One + VectorMath.Exp(-z));
            return KeepNaN(z, grad * s * (Vector<float>.One + z * (Vector<float>.One - s)));
        }

        public static Vector<double> Backward(Vector<double> z, Vector<double> grad)
        {
            Vector<double> s = Vector<double>.One / (Vector<double>.One + VectorMath.Exp(-z));
            return KeepNaN(z, grad * s * (Vector<double>.One + z * (Vector<double>.One - s)));
        }
    }
}
