using System;
using System.Collections.Generic;
using System.Linq;
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
        """;

    private const string Trainer = """
        public static class Trainer
        {
            public static int Step(int x) => x * 2;
        }
        """;

    private static readonly string[] ModelSteps = [TrackingNames.LayerNormModels, TrackingNames.RmsNormModels];

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

        foreach (string step in ModelSteps)
        {
            Assert.NotEmpty(result.TrackedSteps[step]);
            Assert.All(
                result.TrackedSteps[step].SelectMany(s => s.Outputs),
                output => Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"{step} was {output.Reason}"));
        }

        Assert.All(
            result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        Assert.Equal(2, result.GeneratedSources.Length);
    }

    [Fact]
    public async Task Changing_a_norm_regenerates_its_model_and_only_its_model()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        CSharpCompilation edited = Replace(compilation, 0, Models.Replace("Eps = 1e-5", "Eps = 1e-6"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.LayerNormModels));
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.RmsNormModels));

        List<(object Value, IncrementalStepRunReason Reason)> outputs = result.TrackedOutputSteps
            .SelectMany(pair => pair.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));
        Assert.Contains("1E-06f", result.GeneratedSources.Single(s => s.HintName == "Transformer.Block.g.cs").SourceText.ToString());
    }

    [Fact]
    public async Task Removing_a_model_removes_its_file()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        CSharpCompilation edited = Replace(compilation, 0, Models.Replace("[RmsNorm(\"rms\", Axes = \"D\", Shape = [64])]", ""));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Removed, Reasons(result, TrackingNames.RmsNormModels));
        Assert.Equal(["Transformer.Block.g.cs"], result.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public async Task Turning_unsafe_code_off_withdraws_the_kernels_and_on_again_restores_them()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        driver = driver.RunGenerators(compilation.WithOptions(compilation.Options.WithAllowUnsafe(false)));
        Assert.Empty(driver.GetRunResult().GeneratedTrees);

        driver = driver.RunGenerators(compilation);
        Assert.Equal(2, driver.GetRunResult().GeneratedTrees.Length);
    }

    [Fact]
    public async Task Models_hold_no_compilation_symbol_syntax_or_location()
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync([Models, Trainer]);
        GeneratorRunResult result = GeneratorRun.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        List<object> values = new[] { TrackingNames.LayerNormModels, TrackingNames.RmsNormModels, TrackingNames.AllowsUnsafe }
            .SelectMany(step => result.TrackedSteps[step])
            .SelectMany(step => step.Outputs)
            .Select(output => output.Value)
            .ToList();

        Assert.Equal(3, values.Count);
        Assert.All(values, value => Assert.Empty(ModelGraph.FindForbidden(value)));
        Assert.Equal(2, values.OfType<ModelSpec>().Count());
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

    [Fact]
    public async Task The_same_declaration_in_two_compilations_gives_equal_models()
    {
        // Value equality is what lets the pipeline stop at the model when nothing relevant changed.
        ModelSpec first = await ParseAsync(Models, "Transformer.Block");
        ModelSpec second = await ParseAsync("// Another compilation.\n" + Models, "Transformer.Block");

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());

        ModelSpec changed = await ParseAsync(Models.Replace("Shape = [64], Eps", "Shape = [32], Eps"), "Transformer.Block");
        Assert.NotEqual(first, changed);
    }

    private static async Task<ModelSpec> ParseAsync(string source, string typeName)
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync(source);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName(typeName)!;
        return ModelParser.Parse(type, diagnostics: null, default)!;
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string source)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, TestCompilation.Parse(source, old.FilePath));
    }
}
