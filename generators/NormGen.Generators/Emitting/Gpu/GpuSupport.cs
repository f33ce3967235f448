using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting.Gpu;

/// <summary>Which norms have ILGPU kernels; the others get CPU kernels only.</summary>
internal static class GpuSupport
{
    /// <summary>The metadata name whose presence in a compilation means it references ILGPU.</summary>
    public const string AcceleratorMetadataName = "ILGPU.Runtime.Accelerator";

    /// <summary>The device storage type of a norm's data: Half is stored as <c>ILGPU.Half</c>.</summary>
    public static string ElementType(NormSpec norm) => norm.Element switch
    {
        ElementKind.Double => "double",
        ElementKind.Half => "global::ILGPU.Half",
        _ => "float",
    };

    /// <summary>The arithmetic and statistics type: float for Half and float data.</summary>
    public static string AccumulatorType(NormSpec norm) => norm.Element == ElementKind.Double ? "double" : "float";

    /// <summary>
    /// LayerNorm and RMSNorm over trailing axes (contiguous rows) with the residual and input-bias fusions, and over
    /// interior axes (channels-first); BatchNorm, GroupNorm and InstanceNorm, with their running statistics; every
    /// activation; in float, double and Half. (BatchNorm's synchronized multi-device variants are CPU-only.)
    /// </summary>
    public static bool IsSupported(NormSpec norm) => norm switch
    {
        { Kind: NormKind.LayerNorm or NormKind.RmsNorm, Geometry.Kind: GeometryKind.Rows or GeometryKind.Columns } => true,
        { Kind: NormKind.BatchNorm or NormKind.GroupNorm or NormKind.InstanceNorm } => true,
        _ => false,
    };

    /// <summary>How the documentation names an activation.</summary>
    public static string ActivationName(ActivationKind activation) => activation switch
    {
        ActivationKind.Relu => "ReLU",
        ActivationKind.Silu => "SiLU",
        ActivationKind.GeluTanh => "tanh-approximated GELU",
        _ => "GELU",
    };

    /// <summary>
    /// Writes the fused activation <c>Activate(z)</c> and <c>ActivateBackward(z, gradient)</c> in <paramref name="accumulator"/>
    /// arithmetic, with the exponential they need written out (ILGPU's PTX backend has none without ILGPU.Algorithms).
    /// </summary>
    public static void WriteActivation(Helpers.CodeWriter writer, string accumulator, ActivationKind activation)
    {
        string a = accumulator;
        bool isDouble = a == "double";
        string isNaN = isDouble ? "global::System.Double.IsNaN" : "global::System.Single.IsNaN";
        string suffix = isDouble ? "d" : "f";
        string name = ActivationName(activation);
        switch (activation)
        {
            case ActivationKind.Relu:
                writer.Line($"/// <summary>The {name} after the affine step; NaN stays NaN, as <c>torch.relu</c>.</summary>");
                writer.Line($"private static {a} Activate({a} z) => z > 0 || {isNaN}(z) ? z : 0;");
                writer.Line();
                writer.Line($"/// <summary><paramref name=\"gradient\"/> where the {name} passed its input (a NaN input passes it too, as PyTorch's), else zero.</summary>");
                writer.Line($"private static {a} ActivateBackward({a} z, {a} gradient) => z > 0 || {isNaN}(z) ? gradient : 0;");
                return;
            case ActivationKind.Silu:
                writer.Line($"/// <summary>The {name} after the affine step: <c>z·σ(z) = z / (1 + e^(-z))</c>, as <c>torch.nn.functional.silu</c>.</summary>");
                writer.Line($"private static {a} Activate({a} z) => z / (1 + Exp(-z));");
                writer.Line();
                writer.Line($"/// <summary><paramref name=\"gradient\"/> times the {name}'s derivative <c>σ(z)·(1 + z·(1 - σ(z)))</c>.</summary>");
                using (writer.Block($"private static {a} ActivateBackward({a} z, {a} gradient)"))
                {
                    writer.Line($"{a} s = 1 / (1 + Exp(-z));");
                    writer.Line("return gradient * s * (1 + z * (1 - s));");
                }

                break;
            case ActivationKind.Gelu:
                writer.Line($"/// <summary>The {name} after the affine step: <c>0.5·z·(1 + erf(z/√2))</c>, as <c>torch.nn.functional.gelu</c> (erf in double).</summary>");
                writer.Line($"private static {a} Activate({a} z) => ({a})(0.5 * z * (1 + Erf(z * 0.7071067811865476)));");
                writer.Line();
                writer.Line($"/// <summary><paramref name=\"gradient\"/> times the {name}'s derivative <c>Φ(z) + z·φ(z)</c>, the standard normal CDF and density.</summary>");
                using (writer.Block($"private static {a} ActivateBackward({a} z, {a} gradient)"))
                {
                    writer.Line("double cdf = 0.5 * (1 + Erf(z * 0.7071067811865476));");
                    writer.Line("double pdf = 0.3989422804014327 * ExpDouble(-0.5 * z * z);");
                    writer.Line($"return ({a})(gradient * (cdf + z * pdf));");
                }

                writer.Line();
                WriteErf(writer);
                writer.Line();
                WriteExp(writer, isDouble: true, name: "ExpDouble");
                return;
            default:
                writer.Line($"/// <summary>The {name} after the affine step: <c>z·σ(2u)</c> = <c>z·(1 + tanh(u))/2</c> with <c>u = √(2/π)·(z + 0.044715·z³)</c>.</summary>");
                using (writer.Block($"private static {a} Activate({a} z)"))
                {
                    writer.Line($"{a} u = 0.7978845608028654{suffix} * (z + 0.044715{suffix} * z * z * z);");
                    writer.Line("return z / (1 + Exp(-2 * u));");
                }

                writer.Line();
                writer.Line($"/// <summary><paramref name=\"gradient\"/> times the {name}'s derivative <c>s + 2z·s·(1 - s)·u'</c>, <c>s = σ(2u)</c>, <c>u' = √(2/π)·(1 + 3·0.044715·z²)</c>.</summary>");
                using (writer.Block($"private static {a} ActivateBackward({a} z, {a} gradient)"))
                {
                    writer.Line($"{a} u = 0.7978845608028654{suffix} * (z + 0.044715{suffix} * z * z * z);");
                    writer.Line($"{a} s = 1 / (1 + Exp(-2 * u));");
                    writer.Line($"{a} du = 0.7978845608028654{suffix} * (1 + 3 * 0.044715{suffix} * z * z);");
                    writer.Line("return gradient * (s + 2 * z * s * (1 - s) * du);");
                }

                break;
        }

        writer.Line();
        WriteExp(writer, isDouble, "Exp");
    }

    /// <summary>
    /// erf in double: its Maclaurin series below 2.5 (the largest term is below 100, so about two digits of 16 cancel),
    /// Laplace's continued fraction for erfc from 2.5 to 6 (60 levels, evaluated from the tail), and ±1 beyond.
    /// </summary>
    private static void WriteErf(Helpers.CodeWriter writer)
    {
        writer.Line("/// <summary>The error function in double: a series below 2.5, a continued fraction for erfc up to 6, ±1 beyond; NaN stays NaN.</summary>");
        using (writer.Block("private static double Erf(double x)"))
        {
            writer.Line("if (global::System.Double.IsNaN(x)) return x;");
            writer.Line("double a = x < 0 ? -x : x;");
            writer.Line("double result = 1;");
            using (writer.Block("if (a < 2.5)"))
            {
                writer.Line("double square = a * a, term = a, sum = a;");
                writer.Line("for (int n = 1; n < 60; n++)");
                writer.Line("{");
                writer.Line("    term *= -square / n;");
                writer.Line("    sum += term / (2 * n + 1);");
                writer.Line("}");
                writer.Line();
                writer.Line("result = 1.1283791670955126 * sum;");
            }

            using (writer.Block("else if (a < 6)"))
            {
                writer.Line("double fraction = a;");
                writer.Line("for (int k = 60; k >= 1; k--) fraction = a + 0.5 * k / fraction;");
                writer.Line("result = 1 - ExpDouble(-a * a) * 0.5641895835477563 / fraction;");
            }

            writer.Line("return x < 0 ? -result : result;");
        }
    }

    /// <summary>
    /// <c>e^z</c> as <c>2^n·2^f</c>: n = z·log2(e) rounded (clamped to the normal exponents), 2^f = e^(f·ln 2) by its Taylor series
    /// (|f·ln 2| ≤ 0.35: the first omitted term is below 1e-8 in float and 1e-17 in double), 2^n from its exponent bits.
    /// </summary>
    private static void WriteExp(Helpers.CodeWriter writer, bool isDouble, string name)
    {
        string a = isDouble ? "double" : "float";
        string suffix = isDouble ? "d" : "f";
        int terms = isDouble ? 13 : 7;
        writer.Line("/// <summary><c>e^z</c> from <c>2^n·2^f</c>: a Taylor series for the fraction, the exponent bits for the integer part. NaN stays NaN.</summary>");
        using (writer.Block($"private static {a} {name}({a} z)"))
        {
            writer.Line($"{a} t = z * 1.4426950408889634{suffix};");
            writer.Line(isDouble ? "t = t < -1022 ? -1022 : t > 1023 ? 1023 : t;" : "t = t < -126 ? -126 : t > 127 ? 127 : t;");
            writer.Line("int n = (int)(t + (t >= 0 ? 0.5" + suffix + " : -0.5" + suffix + "));");
            writer.Line($"{a} x = (t - n) * 0.6931471805599453{suffix};");
            writer.Line($"{a} p = 1;");
            writer.Line($"for (int k = {terms}; k >= 1; k--) p = 1 + x * p / k;");
            writer.Line(isDouble
                ? "return p * global::ILGPU.Interop.IntAsFloat((ulong)(n + 1023) << 52);"
                : "return p * global::ILGPU.Interop.IntAsFloat((uint)(n + 127) << 23);");
        }
    }

    /// <summary>The name of the GPU kernel type emitted beside the CPU kernel type of <paramref name="norm"/>.</summary>
    public static string TypeName(NormSpec norm) => norm.KernelName + "Gpu";
}
