using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace NormGen.Fuzz.Tests.Generation;

/// <summary>
/// Writes random model declarations the way people half-type them: norm attributes of every kind with
/// arguments of every type and value (valid, empty, null, huge, negative, NaN, ∞, unicode, wrong types,
/// wrong counts, misspelled names), layouts and axes that are missing, duplicated or misspelled, on
/// every kind of type declaration (struct, record, nested, generic, static, non-partial, file-local).
/// </summary>
internal sealed class AttributeModelGenerator(Random random)
{
    private static readonly string[] Axes = ["N", "B", "T", "D", "C", "H", "W", "L", "G", "c", "Ñ", "軸", "_", "NN", "1", ""];
    private static readonly string[] LayoutTemplates = ["B,T,D", "N,C,H,W", "N,H,W,C", "N,C", "N,C,L", "N,C,D,H,W", "B,D", "D", "T,D", "N,L,C"];
    private static readonly string[] Extents = ["1", "2", "3", "4", "8", "16", "64", "768", "0", "-1", "-8", "2147483647", "2147483648", "99999999999", "1e3", "x", "", " 4 ", "04", "4.0"];
    private static readonly string[] Separators = [",", ",", ",", ", ", " , ", ";", ",,", " "];

    private static readonly string[] Doubles =
    [
        "1e-5", "1e-6", "1e-12", "0.1", "0.5", "0.99", "1", "0", "-0.0", "-1e-5", "-1", "double.NaN", "double.PositiveInfinity",
        "double.NegativeInfinity", "double.Epsilon", "double.MaxValue", "double.MinValue", "1e-300", "1e308", "float.NaN",
        "float.MaxValue", "1e-5f", "1e-5m", "1", "1L", "int.MaxValue", "\"1e-5\"", "null", "'e'", "1e-5 * 2", "Missing.Eps",
    ];

    private static readonly string[] Ints =
    [
        "1", "2", "3", "4", "8", "16", "32", "64", "0", "-1", "-4", "int.MaxValue", "int.MinValue", "65536", "1 << 20",
        "2147483647 / 2", "4L", "4u", "uint.MaxValue", "4.0", "\"4\"", "null", "'4'", "Missing.Value",
    ];

    private static readonly string[] Bools = ["true", "false", "true", "false", "1", "0", "null", "\"true\"", "!true", "default"];

    private static readonly string[] Strings = ["\"C\"", "\"H\"", "\"c\"", "\"X\"", "\"\"", "null", "\" \"", "\"C,H\"", "4", "\"Ñ\"", "\"\\0\"", "\"\\uD800\""];

    private static readonly string[] ElementTypes =
    [
        "typeof(float)", "typeof(double)", "typeof(System.Half)", "typeof(Half)", "typeof(int)", "typeof(string)", "typeof(decimal)",
        "typeof(float[])", "typeof(float?)", "typeof(System.Collections.Generic.List<>)", "typeof(Missing)", "typeof(void)",
        "null", "\"float\"", "typeof(System.Numerics.Vector<float>)", "typeof(nint)", "typeof(T)",
    ];

    private static readonly string[] Activations =
    [
        "Activation.None", "Activation.Relu", "Activation.Gelu", "Activation.GeluTanh", "Activation.Silu", "(Activation)99",
        "(Activation)(-1)", "0", "1", "Activation.Missing", "null", "\"Relu\"", "NormGen.Activation.Relu", "Activation.Relu | Activation.Gelu",
    ];

    private static readonly string[] Names =
    [
        "\"ln\"", "\"ln1\"", "\"norm\"", "\"rms\"", "\"bn\"", "\"gn\"", "\"Ln\"", "\"ln\"", "\"\"", "\" \"", "null", "\"1ln\"", "\"ln-1\"",
        "\"ln 1\"", "\"class\"", "\"@class\"", "\"ünïcode\"", "\"норма\"", "\"😀\"", "\"\\uD800\"", "\"a\\nb\"", "4", "nameof(Model)",
        "\"Forward\"", "\"Model\"", "\"_\"", "\"__\"", "\"Ln1\"", "\"" + new string('x', 600) + "\"",
    ];

    private static readonly string[] Kinds = ["LayerNorm", "RmsNorm", "BatchNorm", "GroupNorm", "InstanceNorm"];
    private static readonly string[] Misspelled = ["Layernorm", "LayerNormAttribute", "NormGen.LayerNorm", "RMSNorm", "Batchnorm", "GroupNorm2", "NormGen.InstanceNormAttribute", "TensorLayoutAttribute", "NormGen.TensorLayout"];

    private static readonly string[] TypeKeywords =
    [
        "partial class", "partial class", "partial class", "partial struct", "partial record", "partial record struct", "sealed partial class",
        "static partial class", "abstract partial class", "readonly partial struct", "ref partial struct", "unsafe partial class",
        "class", "struct", "record", "file partial class", "file class", "partial interface", "enum", "partial record class",
    ];

    private static readonly string[] TypeNames = ["Model", "Block", "@class", "Модель", "Model_1", "Ln", "Forward", "Norm"];
    private static readonly string[] TypeParameters = ["", "", "", "<T>", "<T> where T : struct", "<TIn, TOut>", "<@int>", "<>", "<T"];

    private static readonly string[] Bodies =
    [
        "{ }", "{ }", "{ }", "{ public int Ln; }", "{ public partial class Ln { } }", "{ public void Forward() { } }",
        "{ public static int Ln1 => 1; }", "{ private const int Rms = 1; }", "{ public enum Bn { A } }", "{", "{ } }", ";", "",
        "{ public Model() { } }", "{ [LayerNorm(\"inner\", Axes = \"D\", Shape = [4])] partial class Inner { } }",
    ];

    private static readonly string[] Named =
    [
        "Axes", "Shape", "Eps", "Layout", "ElementType", "Activation", "Residual", "InputBias", "ElementwiseAffine", "Bias", "Momentum",
        "CumulativeAverage", "Affine", "TrackRunningStats", "ChannelAxis", "Channels", "Groups", "Name", "axes", "Eps ", "Shapes", "Unknown",
    ];

    private static readonly string[] SaneLayouts = ["B,T,D=8", "B,T=4,D=16", "N,C=8,H=4,W=4", "N,H=2,W=3,C=8", "N,C=4", "N,C=6,L=5", "N,C=4,D=2,H=2,W=2", "B,D=3"];
    private static readonly string[] SaneElementTypes = ["typeof(float)", "typeof(double)", "typeof(System.Half)"];

    private readonly List<string> _layoutAxes = [];

    // Most models are written correctly, with at most a slip here and there, so that the generator
    // accepts enough of them for the generated code to be compiled; the rest are anything goes.
    private bool _sane;
    private int _saneNames;

    /// <summary>One source file: a few model declarations, maybe in a namespace, maybe nested.</summary>
    public string Next()
    {
        var source = new StringBuilder();
        source.AppendLine(Pick(["using NormGen;", "using NormGen;", "using NormGen;", "using System;\nusing NormGen;", "", "using static NormGen.Activation;\nusing NormGen;", "using NormGen = System;"]));
        if (Chance(0.3))
        {
            source.AppendLine(Pick(["namespace Models;", "namespace Models.@class;", "namespace NormGen;", "namespace System;", "namespace Models {", "namespace 模型;"]));
        }

        int models = 1 + random.Next(3);
        for (int i = 0; i < models; i++)
        {
            AppendModel(source, i);
        }

        return source.ToString();
    }

    private void AppendModel(StringBuilder source, int index)
    {
        _sane = Chance(0.6);
        if (_sane)
        {
            AppendSaneModel(source, index);
            return;
        }

        bool nested = Chance(0.15);
        if (nested)
        {
            source.Append(Pick(["public partial class Outer" + index + " { ", "public class Outer" + index + " { ", "public static partial class Outer" + index + " { ", "partial struct Outer" + index + "<T> { "]));
        }

        string layout = NextLayout();
        int layouts = random.Next(10) switch { 0 => 0, 1 => 2, _ => 1 };
        for (int i = 0; i < layouts; i++)
        {
            source.Append(Chance(0.05) ? $"[{Pick(Misspelled)}(\"{layout}\")]" : $"[TensorLayout({(Chance(0.05) ? Pick(Strings) : Quote(i == 0 ? layout : NextLayout()))})]");
            source.AppendLine();
        }

        int norms = random.Next(5);
        for (int i = 0; i < norms; i++)
        {
            source.AppendLine(NextNorm());
        }

        string keyword = Pick(TypeKeywords);
        string name = Pick(TypeNames) + (Chance(0.5) ? "" : index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string typeParameters = Pick(TypeParameters);
        string visibility = Pick(["public ", "public ", "internal ", "", "private ", "protected "]);
        string body = keyword.Contains("record") && Chance(0.3) ? "(int Width);" : Pick(Bodies);
        source.AppendLine($"{visibility}{keyword} {name}{typeParameters} {body}");
        if (Chance(0.1))
        {
            // The same type again, its attributes spread over partial declarations.
            source.AppendLine($"{NextNorm()}\n{visibility}{keyword} {name}{typeParameters} {{ }}");
        }

        if (nested)
        {
            source.AppendLine("}");
        }
    }

    private void AppendSaneModel(StringBuilder source, int index)
    {
        string layout = Pick(SaneLayouts);
        _layoutAxes.Clear();
        _layoutAxes.AddRange(layout.Split(','));
        source.AppendLine($"[TensorLayout(\"{layout}\")]");
        int norms = 1 + random.Next(3);
        for (int i = 0; i < norms; i++)
        {
            source.AppendLine(NextSaneNorm(layout));
        }

        string keyword = Chance(0.9) ? Pick(["public partial class", "partial struct", "public sealed partial class", "internal partial record"]) : Pick(TypeKeywords);
        string typeParameters = Chance(0.9) ? "" : Pick(TypeParameters);
        string body = Chance(0.9) ? "{ }" : Pick(Bodies);
        string model = $"{keyword} Model{index}{typeParameters} {body}";
        source.AppendLine(Chance(0.1) ? $"public partial class Outer{index} {{ {model} }}" : model);
    }

    private string NextSaneNorm(string layout)
    {
        string name = Quote("norm" + _saneNames++);
        string element = Chance(0.7) ? "" : ", ElementType = " + Pick(SaneElementTypes);
        string activation = Chance(0.7) ? "" : ", Activation = Activation." + Pick(["Relu", "Gelu", "GeluTanh", "Silu", "None"]);
        string slip = Chance(0.8) ? "" : ", " + Pick(Named) + " = " + ValueFor(Pick(Named).Trim());
        bool channels = layout.Contains('C', StringComparison.Ordinal);
        string kind = channels ? Pick(["LayerNorm", "RmsNorm", "BatchNorm", "GroupNorm", "InstanceNorm"]) : Pick(["LayerNorm", "RmsNorm"]);
        string eps = Chance(0.5) ? "" : ", Eps = " + Pick(["1e-5", "1e-6", "1e-3", "0.1"]);
        string options = kind switch
        {
            "LayerNorm" or "RmsNorm" => $", Axes = \"{_layoutAxes[^1].Split('=')[0]}\"" + (Chance(0.5) && _layoutAxes[0] == "B" ? Pick([", Residual = true", ", InputBias = true", ", ElementwiseAffine = false", ""]) : "") + (kind == "LayerNorm" && Chance(0.2) ? ", Bias = false" : ""),
            "BatchNorm" => Pick(["", ", Momentum = 0.2", ", CumulativeAverage = true", ", Affine = false", ", TrackRunningStats = false"]),
            "GroupNorm" => ", " + Pick(["1", "2"]) + Pick(["", ", Affine = false"]),
            _ => Pick(["", ", Affine = true", ", TrackRunningStats = true", ", Affine = true, TrackRunningStats = true, Momentum = 0.3"]),
        };
        if (kind == "LayerNorm" || kind == "RmsNorm")
        {
            // Shape from the layout's extents; a trailing axis without one needs it spelled out.
            string last = _layoutAxes[^1];
            if (!last.Contains('=', StringComparison.Ordinal))
            {
                options += ", Shape = [" + Pick(["4", "8", "768", "3"]) + "]";
            }
        }

        return kind == "GroupNorm"
            ? $"[GroupNorm({name}{options}{eps}{element}{activation}{slip})]"
            : $"[{kind}({name}{options}{eps}{element}{activation}{slip})]";
    }

    private string NextLayout()
    {
        _layoutAxes.Clear();
        string[] template = Pick(LayoutTemplates).Split(',');
        var parts = new List<string>();
        foreach (string templateAxis in template)
        {
            string axis = Chance(0.06) ? Pick(Axes) : templateAxis;
            _layoutAxes.Add(axis);
            parts.Add(axis + (Chance(0.4) ? "=" + Pick(Extents) : ""));
        }

        if (Chance(0.05))
        {
            parts.Add(parts[random.Next(parts.Count)]);
        }

        if (Chance(0.05) && parts.Count > 1)
        {
            parts.RemoveAt(random.Next(parts.Count));
        }

        string separator = Chance(0.1) ? Pick(Separators) : ",";
        string text = string.Join(separator, parts);
        return Chance(0.03) ? text.ToLowerInvariant() : Chance(0.02) ? " " + text + " " : text;
    }

    private string NextNorm()
    {
        string kind = Chance(0.03) ? Pick(Misspelled) : Pick(Kinds);
        var arguments = new List<string>();
        if (!Chance(0.05))
        {
            arguments.Add(Chance(0.1) ? "name: " + Pick(Names) : Pick(Names));
        }

        if (kind.StartsWith("GroupNorm", StringComparison.Ordinal) ? !Chance(0.05) : Chance(0.03))
        {
            arguments.Add(Chance(0.1) ? "groups: " + Pick(Ints) : Pick(Ints));
        }

        if (arguments.Count > 1 && Chance(0.1))
        {
            (arguments[0], arguments[^1]) = (arguments[^1], arguments[0]);
        }

        int named = random.Next(6);
        for (int i = 0; i < named; i++)
        {
            string property = Pick(Named);
            arguments.Add($"{property} = {ValueFor(property.Trim())}");
        }

        if (Chance(0.05))
        {
            arguments.Add(arguments.Count > 0 ? arguments[random.Next(arguments.Count)] : "\"x\"");
        }

        return random.Next(20) switch
        {
            0 => $"[{kind}]",
            1 => $"[{kind}()]",
            2 => $"[{kind}({string.Join(", ", arguments)}), {NextNormBody()}]",
            _ => $"[{kind}({string.Join(", ", arguments)})]",
        };
    }

    private string NextNormBody()
    {
        string norm = NextNorm();
        return norm[1..^1];
    }

    private string ValueFor(string property) => property switch
    {
        "Axes" or "axes" => Chance(0.1) ? Pick(Strings) : Quote(NextAxes()),
        "Shape" or "Shapes" => NextShape(),
        "Eps" or "Momentum" => Pick(Doubles),
        "Layout" => Chance(0.1) ? Pick(Strings) : Quote(NextLayout()),
        "ElementType" => Pick(ElementTypes),
        "Activation" => Pick(Activations),
        "ChannelAxis" => Pick(Strings),
        "Channels" or "Groups" => Pick(Ints),
        "Name" => Pick(Names),
        "Residual" or "InputBias" or "ElementwiseAffine" or "Bias" or "CumulativeAverage" or "Affine" or "TrackRunningStats" => Pick(Bools),
        _ => Pick([.. Ints, .. Bools, .. Strings]),
    };

    private string NextAxes()
    {
        if (_layoutAxes.Count == 0 || Chance(0.1))
        {
            return Pick(Axes);
        }

        // Usually a trailing block of the layout; sometimes any subset, in any order, or misspelled.
        int count = 1 + random.Next(Math.Min(3, _layoutAxes.Count));
        List<string> axes = Chance(0.7)
            ? _layoutAxes.Skip(_layoutAxes.Count - count).ToList()
            : Enumerable.Range(0, count).Select(_ => Chance(0.8) ? _layoutAxes[random.Next(_layoutAxes.Count)] : Pick(Axes)).ToList();
        return string.Join(Chance(0.05) ? Pick(Separators) : ",", axes);
    }

    private string NextShape()
    {
        if (Chance(0.08))
        {
            return Pick(["null", "[]", "new int[0]", "\"4\"", "4", "new[] { 4 }", "[4.5]", "[\"4\"]", "[4L]", "[,]", "new int[] { 4, }"]);
        }

        int count = Chance(0.8) ? 1 + random.Next(3) : random.Next(6);
        string[] extents = Enumerable.Range(0, count).Select(_ => Chance(0.85) ? Pick(["1", "2", "3", "4", "7", "8", "16", "64", "768", "1024"]) : Pick(Ints)).ToArray();
        return Chance(0.1) ? $"new int[] {{ {string.Join(", ", extents)} }}" : $"[{string.Join(", ", extents)}]";
    }

    private bool Chance(double probability) => random.NextDouble() < probability;

    private string Pick(string[] choices) => choices[random.Next(choices.Length)];

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
