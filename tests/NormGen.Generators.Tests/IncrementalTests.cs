using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generators.Model;
using NormGen.Generators.Parsing;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// The generator runs on every keystroke in the IDE, so its models must stay cached through edits
/// that don't touch the norms, change exactly when a norm changes, and hold nothing but plain,
/// equatable values.
/// </summary>
public sealed class IncrementalTests
{
    // One model per kind of norm that comes first, so that every model step has an output.
    private const string Models = """
        using NormGen;

        namespace Transformer;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln1", Axes = "D", Shape = [64], Eps = 1e-5)]
        [LayerNorm("ln2", Axes = "D", Shape = [64])]
        public partial class Block
        {
            public int Forward(int x) => x + 1;
        }

        [TensorLayout("B,T,D")]
        [RmsNorm("rms", Axes = "D", Shape = [64])]
        public partial class Decoder { }

        [TensorLayout("N,C=8,H=4,W=4")]
        [BatchNorm("bn", Momentum = 0.1)]
        [LayerNorm("channels", Axes = "C", Activation = Activation.Gelu)]
        public partial class ResidualBlock { }

        [TensorLayout("N,H=4,W=4,C=8")]
        [GroupNorm("gn", 4, Eps = 1e-5)]
        [InstanceNorm("inorm", Affine = true)]
        public partial class UNetBlock { }

        [TensorLayout("N,C=8,L=16")]
        [InstanceNorm("style", TrackRunningStats = true)]
        [RmsNorm("rms", Axes = "L", ElementType = typeof(System.Half))]
        public partial class StyleBlock { }
        """;

    private const string Trainer = """
        public static class Trainer
        {
            public static int Step(int x) => x * 2;
        }
        """;

    private const int ModelCount = 5;

    /// <summary>For each model step: an edit to the model it yields, and that model's file.</summary>
    public static TheoryData<string, string, string, string> NormEdits => new()
    {
        { TrackingNames.LayerNormModels, "Shape = [64], Eps = 1e-5)]", "Shape = [64], Eps = 1e-6)]", "Transformer.Block.g.cs" },
        { TrackingNames.RmsNormModels, "[RmsNorm(\"rms\", Axes = \"D\", Shape = [64])]", "[RmsNorm(\"rms\", Axes = \"D\", Shape = [32])]", "Transformer.Decoder.g.cs" },
        { TrackingNames.BatchNormModels, "Momentum = 0.1", "Momentum = 0.2", "Transformer.ResidualBlock.g.cs" },
        { TrackingNames.GroupNormModels, "[GroupNorm(\"gn\", 4,", "[GroupNorm(\"gn\", 2,", "Transformer.UNetBlock.g.cs" },
        { TrackingNames.InstanceNormModels, "TrackRunningStats = true", "TrackRunningStats = false", "Transformer.StyleBlock.g.cs" },
    };

    public static TheoryData<string> UnrelatedEdits => ["add a file", "edit a method in another file", "edit a method of the model", "edit a comment"];

    [Theory]
    [MemberData(nameof(UnrelatedEdits))]
    public async Task An_edit_that_touches_no_norm_leaves_every_model_and_output_cached(string edit)
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        CSharpCompilation edited = edit switch
        {
            "add a file" => compilation.AddSyntaxTrees(TestCompilation.Parse("public class Added { }", "Added.cs")),
            "edit a method in another file" => Replace(compilation, 1, Trainer.Replace("x * 2", "x * 3")),
            "edit a method of the model" => Replace(compilation, 0, Models.Replace("x + 1", "x - 1")),
            _ => Replace(compilation, 0, "// A comment.\n" + Models),
        };
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // Every step the pipeline names, the compilation-wide checks (unsafe code, TorchSharp, ILGPU) included,
        // not only the model steps.
        string[] compilationSteps = [TrackingNames.AllowsUnsafe, TrackingNames.ReferencesTorchSharp, TrackingNames.ReferencesIlgpu];
        Assert.Equal(GeneratorRun.ModelSteps.Concat(compilationSteps).Order(), AllTrackingNames.Order());
        foreach (string step in AllTrackingNames)
        {
            // The ILGPU check runs only where the driver pulls the GPU outputs; when it runs, it must be cached too.
            if (!result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs))
            {
                Assert.Equal(TrackingNames.ReferencesIlgpu, step);
                continue;
            }

            Assert.NotEmpty(runs);
            Assert.All(
                runs.SelectMany(s => s.Outputs),
                output => Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"{step} was {output.Reason}"));
        }

        Assert.All(
            result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        Assert.Equal(ModelCount, result.GeneratedSources.Length);
    }

    [Theory]
    [MemberData(nameof(NormEdits))]
    public async Task Changing_a_norm_regenerates_its_model_and_only_its_model(string step, string before, string after, string hintName)
    {
        Assert.Single(Regex.Matches(Models, Regex.Escape(before)));
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);
        ModelSpec old = Single(driver.GetRunResult().Results.Single(), step);

        CSharpCompilation edited = Replace(compilation, 0, Models.Replace(before, after));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, step));
        Assert.NotEqual(old, Single(result, step));
        Assert.Equal(hintName, Single(result, step).HintName);
        foreach (string other in GeneratorRun.ModelSteps.Where(s => s != step))
        {
            Assert.All(Reasons(result, other), reason => Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{other} was {reason}"));
        }

        List<(object Value, IncrementalStepRunReason Reason)> outputs = result.TrackedOutputSteps
            .SelectMany(pair => pair.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        // The other models' outputs, and the TorchSharp support file's (empty here: no TorchSharp reference).
        Assert.Equal(ModelCount - 1 + 1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));
        Assert.Equal(ModelCount, result.GeneratedSources.Length);
    }

    [Fact]
    public async Task A_changed_constant_reaches_the_emitted_code()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        CSharpCompilation edited = Replace(compilation, 0, Models.Replace("Eps = 1e-5)]", "Eps = 1e-6)]"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains("1E-06f", result.GeneratedSources.Single(s => s.HintName == "Transformer.Block.g.cs").SourceText.ToString());
    }

    [Fact]
    public async Task Adding_a_norm_of_another_kind_to_a_model_keeps_it_in_the_step_of_its_first_norm()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);
        Dictionary<string, string> before = Texts(driver.GetRunResult().Results.Single());

        CSharpCompilation edited = Replace(compilation, 0, Models.Replace(
            "[RmsNorm(\"rms\", Axes = \"D\", Shape = [64])]",
            "[RmsNorm(\"rms\", Axes = \"D\", Shape = [64])]\n[BatchNorm(\"bn\", Layout = \"N,C=4\")]"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.RmsNormModels));
        Assert.Equal([NormKind.RmsNorm, NormKind.BatchNorm], Single(result, TrackingNames.RmsNormModels).Norms.Select(n => n.Kind));
        Assert.Equal(["ResidualBlock"], result.TrackedSteps[TrackingNames.BatchNormModels]
            .SelectMany(s => s.Outputs).Where(o => o.Reason != IncrementalStepRunReason.Removed).Select(o => ((ModelSpec)o.Value).Type.Name));

        // Every other file comes out as before.
        Dictionary<string, string> after = Texts(result);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before.Keys.Where(hint => hint != "Transformer.Decoder.g.cs"), hint => Assert.Equal(before[hint], after[hint]));
    }

    public static TheoryData<string, string, string> ModelRemovals => new()
    {
        { TrackingNames.RmsNormModels, "[RmsNorm(\"rms\", Axes = \"D\", Shape = [64])]", "Transformer.Decoder.g.cs" },
        { TrackingNames.BatchNormModels, "[BatchNorm(\"bn\", Momentum = 0.1)]\n[LayerNorm(\"channels\", Axes = \"C\", Activation = Activation.Gelu)]", "Transformer.ResidualBlock.g.cs" },
        { TrackingNames.GroupNormModels, "[GroupNorm(\"gn\", 4, Eps = 1e-5)]\n[InstanceNorm(\"inorm\", Affine = true)]", "Transformer.UNetBlock.g.cs" },
    };

    [Theory]
    [MemberData(nameof(ModelRemovals))]
    public async Task Removing_a_model_removes_its_file(string step, string norms, string hintName)
    {
        Assert.Contains(norms, Models);
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        CSharpCompilation edited = Replace(compilation, 0, Models.Replace(norms, ""));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Removed, Reasons(result, step));
        Assert.Equal(ModelCount - 1, result.GeneratedSources.Length);
        Assert.DoesNotContain(hintName, result.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public async Task Removing_a_models_first_norm_moves_it_to_the_step_of_its_next_one()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        CSharpCompilation edited = Replace(compilation, 0, Models.Replace("[GroupNorm(\"gn\", 4, Eps = 1e-5)]", ""));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Removed, Reasons(result, TrackingNames.GroupNormModels));
        Assert.Contains(
            result.TrackedSteps[TrackingNames.InstanceNormModels].SelectMany(s => s.Outputs),
            output => output.Reason == IncrementalStepRunReason.New && ((ModelSpec)output.Value).Type.Name == "UNetBlock");
        Assert.Equal(ModelCount, result.GeneratedSources.Length);
    }

    [Fact]
    public async Task Turning_unsafe_code_off_withdraws_the_kernels_and_on_again_restores_them()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        driver = driver.RunGenerators(compilation.WithOptions(compilation.Options.WithAllowUnsafe(false)));
        Assert.Empty(driver.GetRunResult().GeneratedTrees);

        driver = driver.RunGenerators(compilation);
        Assert.Equal(ModelCount, driver.GetRunResult().GeneratedTrees.Length);
    }

    [Fact]
    public async Task Models_hold_no_compilation_symbol_syntax_or_location()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorRunResult result = GeneratorRun.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        List<object> values = GeneratorRun.ModelSteps.Append(TrackingNames.AllowsUnsafe)
            .SelectMany(step => result.TrackedSteps[step])
            .SelectMany(step => step.Outputs)
            .Select(output => output.Value)
            .ToList();

        Assert.Equal(ModelCount + 1, values.Count);
        Assert.All(values, value => Assert.Empty(ModelGraph.FindForbidden(value)));
        Assert.Equal(ModelCount, values.OfType<ModelSpec>().Count());
        Assert.Equal(
            [NormKind.LayerNorm, NormKind.RmsNorm, NormKind.BatchNorm, NormKind.GroupNorm, NormKind.InstanceNorm],
            values.OfType<ModelSpec>().Select(model => model.Norms[0].Kind).Order());
    }

    [Fact]
    public async Task The_leak_check_itself_sees_through_records_tuples_and_arrays()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync(Models);
        SyntaxTree tree = compilation.SyntaxTrees.First();

        Assert.NotEmpty(ModelGraph.FindForbidden((1, new[] { "a" }, new object[] { tree.GetRoot() })));
        Assert.NotEmpty(ModelGraph.FindForbidden((new TypeHeader("class", "Model"), compilation)));
        Assert.NotEmpty(ModelGraph.FindForbidden(new Tuple<Location>(tree.GetRoot().GetLocation())));
        Assert.Empty(ModelGraph.FindForbidden((1, "a", new TypeHeader("class", "Model"))));
    }

    [Theory]
    [InlineData("Transformer.Block")]
    [InlineData("Transformer.Decoder")]
    [InlineData("Transformer.ResidualBlock")]
    [InlineData("Transformer.UNetBlock")]
    [InlineData("Transformer.StyleBlock")]
    public async Task The_same_declaration_in_two_compilations_gives_equal_models(string typeName)
    {
        // Value equality is what lets the pipeline stop at the model when nothing relevant changed.
        ModelSpec first = await ParseAsync(Models, typeName);
        ModelSpec second = await ParseAsync("// Another compilation.\n" + Models, typeName);

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Theory]
    [InlineData("Transformer.Block", "Shape = [64], Eps", "Shape = [32], Eps")]
    [InlineData("Transformer.ResidualBlock", "Momentum = 0.1", "Momentum = 0.1, CumulativeAverage = true")]
    [InlineData("Transformer.ResidualBlock", "Activation.Gelu", "Activation.Silu")]
    [InlineData("Transformer.UNetBlock", "Affine = true", "Affine = false")]
    [InlineData("Transformer.UNetBlock", "N,H=4,W=4,C=8", "N,C=8,H=4,W=4")]
    [InlineData("Transformer.StyleBlock", "typeof(System.Half)", "typeof(float)")]
    public async Task Any_change_to_a_norm_changes_its_model(string typeName, string before, string after)
    {
        Assert.Contains(before, Models);
        ModelSpec first = await ParseAsync(Models, typeName);
        ModelSpec changed = await ParseAsync(Models.Replace(before, after), typeName);
        Assert.NotEqual(first, changed);
    }

    private static async Task<ModelSpec> ParseAsync(string source, string typeName)
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync(source);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName(typeName)!;
        return ModelParser.Parse(type, diagnostics: null, default)!;
    }

    /// <summary>Every step name <see cref="TrackingNames"/> declares.</summary>
    private static IEnumerable<string> AllTrackingNames =>
        typeof(TrackingNames).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(constant => constant.IsLiteral)
            .Select(constant => (string)constant.GetRawConstantValue()!);

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static Dictionary<string, string> Texts(GeneratorRunResult result) =>
        result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    private static ModelSpec Single(GeneratorRunResult result, string step) =>
        (ModelSpec)result.TrackedSteps[step].SelectMany(s => s.Outputs).Single().Value;

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string source)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, TestCompilation.Parse(source, old.FilePath));
    }
}
