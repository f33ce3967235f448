using System.Threading.Tasks;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// One specification per rule NG0001..NG0018. Each case is checked from both sides: the analyzer
/// reports exactly the marked span (<c>{|NG0004:...|}</c>), and the generator, on the same code,
/// throws nothing, reports nothing, skips the invalid norm (or type) and still emits the valid ones,
/// with output that compiles cleanly.
/// </summary>
public sealed class DiagnosticTests
{
    // ------------------------------------------------------------------ NG0001

    [Fact]
    public Task NG0001_a_model_type_must_be_partial() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [{|NG0001:LayerNorm("ln", Axes = "D", Shape = [4])|}]
        [RmsNorm("rms", Axes = "D", Shape = [4])]
        public class NotPartial { }

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        public partial class Sibling { }
        """,
        emitted: ["Sibling.Ln"]);

    [Fact]
    public Task NG0001_every_containing_type_must_be_partial_too() => VerifyAsync(
        """
        using NormGen;

        public class Outer
        {
            [TensorLayout("B,T,D")]
            [{|NG0001:LayerNorm("ln", Axes = "D", Shape = [4])|}]
            public partial class Inner { }
        }
        """,
        emitted: []);

    // ------------------------------------------------------------------ NG0002

    [Fact]
    public Task NG0002_a_norm_needs_a_layout_from_the_type_or_its_own() => VerifyAsync(
        """
        using NormGen;

        [LayerNorm({|NG0002:"ln"|}, Axes = "D", Shape = [4])]
        [RmsNorm("ownLayout", Layout = "B,T,D", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.OwnLayout"]);

    // ------------------------------------------------------------------ NG0003

    [Theory]
    [InlineData("")]
    [InlineData("B,,D")]
    [InlineData("B,T,B")]
    [InlineData("B,T,1D")]
    [InlineData("B,T,D=0")]
    [InlineData("B,T,D=-4")]
    [InlineData("B,T,D=four")]
    public Task NG0003_a_malformed_layout_on_the_norm_is_reported_on_its_Layout_argument(string layout) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0003:Layout = "{{layout}}"|}, Axes = "D", Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0003_a_malformed_type_layout_is_reported_once_and_disables_the_norms_that_use_it() => VerifyAsync(
        """
        using NormGen;

        [{|NG0003:TensorLayout("B,T,,D")|}]
        [LayerNorm("first", Axes = "D", Shape = [4])]
        [RmsNorm("second", Axes = "D", Shape = [4])]
        [RmsNorm("ownLayout", Layout = "B,T,D", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.OwnLayout"]);

    // ------------------------------------------------------------------ NG0004

    [Fact]
    public Task NG0004_a_normalized_axis_must_be_in_the_layout() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0004:Axes = "X"|}, Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0004_axis_names_are_case_sensitive() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C,H,W")]
        [LayerNorm("ln", {|NG0004:Axes = "C,h,W"|}, Shape = [4, 4, 4])]
        [LayerNorm("valid", Axes = "C,H,W", Shape = [4, 4, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0005

    [Fact]
    public Task NG0005_Axes_is_required_and_its_absence_is_reported_on_the_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0005:"ln"|}, Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Theory]
    [InlineData("")]
    [InlineData("T,,D")]
    [InlineData("D,D")]
    [InlineData("D=4")]
    [InlineData("T D")]
    public Task NG0005_malformed_Axes_are_reported_on_the_Axes_argument(string axes) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0005:Axes = "{{axes}}"|}, Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0006

    [Fact]
    public Task NG0006_a_normalized_axis_needs_a_static_extent_from_Shape_or_the_layout() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0006:"ln"|}, Axes = "D")]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0006_is_reported_for_each_axis_without_an_extent() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=8,H,W")]
        [LayerNorm({|NG0006:{|NG0006:"ln"|}|}, Axes = "C,H,W")]
        [LayerNorm("valid", Axes = "C,H,W", Shape = [8, 2, 2])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0007

    [Fact]
    public Task NG0007_Shape_must_have_one_extent_per_normalized_axis() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C,H,W")]
        [LayerNorm("ln", Axes = "H,W", {|NG0007:Shape = [4, 4, 4]|})]
        [LayerNorm("valid", Axes = "H,W", Shape = [4, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0008

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    public Task NG0008_extents_in_Shape_must_be_positive(string extent) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "T,D", {|NG0008:Shape = [4, {{extent}}]|})]
        [LayerNorm("valid", Axes = "T,D", Shape = [4, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0009

    [Theory]
    [InlineData("0")]
    [InlineData("-1e-5")]
    [InlineData("double.NaN")]
    [InlineData("double.PositiveInfinity")]
    [InlineData("1e-50")]  // positive as a double, zero once the float kernel stores it
    [InlineData("1e300")]  // finite as a double, infinite in float
    public Task NG0009_Eps_must_be_positive_and_finite_in_the_element_type(string eps) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4], {|NG0009:Eps = {{eps}}|})]
        [RmsNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0009_an_explicit_zero_Eps_on_RmsNorm_is_not_taken_as_the_default() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [RmsNorm("rms", Axes = "D", Shape = [4], {|NG0009:Eps = 0|})]
        [RmsNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0010

    [Fact]
    public Task NG0010_two_norms_of_a_type_cannot_share_a_kernel_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("norm", Axes = "D", Shape = [4])]
        [RmsNorm({|NG0010:"Norm"|}, Axes = "D", Shape = [4])]
        [RmsNorm({|NG0010:"norm"|}, Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Norm"]);

    // ------------------------------------------------------------------ NG0011

    [Theory]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("\"1st\"")]
    [InlineData("\"pre-norm\"")]
    [InlineData("\"pre norm\"")]
    [InlineData("\"@ln\"")]
    public Task NG0011_a_norm_name_must_form_a_type_name(string name) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0011:{{name}}|}, Axes = "D", Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0012

    [Theory]
    [InlineData("int")]
    [InlineData("System.Half")]
    [InlineData("string")]
    public Task NG0012_the_element_type_must_be_float_or_double(string type) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4], {|NG0012:ElementType = typeof({{type}})|})]
        [LayerNorm("valid", Axes = "D", Shape = [4], ElementType = typeof(double))]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0013

    [Theory]
    [InlineData("C")]      // channels-first: not yet supported
    [InlineData("W,H")]    // trailing, but not in layout order
    [InlineData("C,W")]    // skips an axis
    [InlineData("N,C,H")]  // leading axes
    public Task NG0013_normalized_axes_must_be_the_trailing_axes_in_layout_order(string axes) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=4,W=4")]
        [LayerNorm("ln", {|NG0013:Axes = "{{axes}}"|})]
        [LayerNorm("valid", Axes = "H,W")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0014

    [Fact]
    public Task NG0014_kernels_need_unsafe_code_and_nothing_is_emitted_without_it() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [{|NG0014:LayerNorm("ln", Axes = "D", Shape = [4])|}]
        [RmsNorm("rms", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: [],
        allowUnsafe: false);

    [Fact]
    public Task NG0014_is_not_reported_for_a_type_whose_norms_are_all_invalid_anyway() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0004:Axes = "X"|}, Shape = [4])]
        public partial class Model { }
        """,
        emitted: [],
        allowUnsafe: false);

    // ------------------------------------------------------------------ NG0015

    [Fact]
    public Task NG0015_Shape_and_the_layout_must_agree_on_an_extent() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D=64")]
        [LayerNorm("ln", Axes = "D", {|NG0015:Shape = [32]|})]
        [LayerNorm("valid", Axes = "D", Shape = [64])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0016

    [Fact]
    public Task NG0016_a_row_longer_than_the_limit_is_reported_on_Shape() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "T,D", {|NG0016:Shape = [8192, 8193]|})]
        [LayerNorm("valid", Axes = "T,D", Shape = [2, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0016_a_row_too_long_through_layout_extents_is_reported_on_the_attribute() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=65536,H=65536,W=65536")]
        [{|NG0016:LayerNorm("ln", Axes = "C,H,W")|}]
        [LayerNorm("valid", Axes = "H,W", Layout = "N,C,H=2,W=2")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0017

    [Theory]
    [InlineData("public int Ln1 => 0;")]
    [InlineData("public void Ln1() { }")]
    [InlineData("private static readonly int Ln1 = 0;")]
    [InlineData("public class Ln1 { }")]
    [InlineData("public event System.Action? Ln1;")]
    public Task NG0017_the_kernel_type_name_must_not_be_taken_by_a_member(string member) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln1"|}, Axes = "D", Shape = [4])]
        [LayerNorm("ln2", Axes = "D", Shape = [4])]
        public partial class Model
        {
            {{member}}
        }
        """,
        emitted: ["Model.Ln2"]);

    [Fact]
    public Task NG0017_the_kernel_type_name_must_not_be_the_model_type_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"norm"|}, Axes = "D", Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Norm { }
        """,
        emitted: ["Norm.Valid"]);

    [Fact]
    public Task NG0017_members_in_other_partial_declarations_count() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln1"|}, Axes = "D", Shape = [4])]
        [LayerNorm("ln2", Axes = "D", Shape = [4])]
        public partial class Model { }

        public partial class Model
        {
            public float[] Ln1 { get; } = new float[4];
        }
        """,
        emitted: ["Model.Ln2"]);

    [Theory]
    [InlineData("public int Ln1;")]
    [InlineData("protected void Ln1() { }")]
    [InlineData("internal class Ln1 { }")]
    public Task NG0017_inherited_members_count_because_the_kernel_would_hide_them(string member) => VerifyAsync(
        $$"""
        using NormGen;

        public class Base
        {
            {{member}}
        }

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln1"|}, Axes = "D", Shape = [4])]
        [LayerNorm("ln2", Axes = "D", Shape = [4])]
        public partial class Model : Base { }
        """,
        emitted: ["Model.Ln2"]);

    [Fact]
    public Task NG0017_a_kernel_inherited_from_a_base_model_counts_too() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        public partial class BaseModel { }

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln"|}, Axes = "D", Shape = [8])]
        [LayerNorm("ln2", Axes = "D", Shape = [8])]
        public partial class DerivedModel : BaseModel { }
        """,
        emitted: ["BaseModel.Ln", "DerivedModel.Ln2"]);

    // ------------------------------------------------------------------ NG0018

    [Fact]
    public Task NG0018_a_file_local_type_cannot_declare_norms() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [{|NG0018:LayerNorm("ln", Axes = "D", Shape = [4])|}]
        file partial class Local { }

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        partial class Sibling { }
        """,
        emitted: ["Sibling.Ln"]);

    [Fact]
    public Task NG0018_nor_can_a_type_nested_in_one() => VerifyAsync(
        """
        using NormGen;

        file partial class Local
        {
            [TensorLayout("B,T,D")]
            [{|NG0018:LayerNorm("ln", Axes = "D", Shape = [4])|}]
            public partial class Inner { }
        }
        """,
        emitted: []);

    // ------------------------------------------------------------------ several rules at once

    [Fact]
    public Task Every_problem_of_one_norm_is_reported_not_just_the_first() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0011:"1st"|}, Axes = "D", Shape = [4], {|NG0012:ElementType = typeof(int)|}, {|NG0009:Eps = -1|})]
        public partial class Model { }
        """,
        emitted: []);

    [Fact]
    public Task Problems_of_different_norms_are_reported_independently() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D=8")]
        [LayerNorm("a", {|NG0004:Axes = "X"|})]
        [LayerNorm("b", Axes = "D", {|NG0015:Shape = [4]|})]
        [RmsNorm("c", Axes = "D", {|NG0009:Eps = 0|})]
        [RmsNorm("d", Axes = "D")]
        [LayerNorm("e", Axes = "D", Shape = [8])]
        public partial class Model { }
        """,
        emitted: ["Model.D", "Model.E"]);

    /// <summary>
    /// Runs the analyzer on <paramref name="markup"/> and the generator on the same code without
    /// the markup, and checks that the generator emitted exactly <paramref name="emitted"/>
    /// (as <c>Model.Kernel</c>), cleanly.
    /// </summary>
    private static async Task VerifyAsync(string markup, string[] emitted, bool allowUnsafe = true)
    {
        await new NormAttributeAnalyzerTest(allowUnsafe) { TestCode = markup }.RunAsync();

        GeneratorRun run = await GeneratorRun.OfAsync(Markup.Strip(markup), allowUnsafe);
        run.AssertCleanRun();
        Assert.Equal(emitted, run.KernelNames);
    }
}
