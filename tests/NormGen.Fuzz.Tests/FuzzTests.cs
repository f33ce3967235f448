using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using NormGen.Fuzz.Tests.Generation;
using NormGen.Fuzz.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Fuzz.Tests;

/// <summary>
/// Whatever a user types, the generator and the analyzers run on it on every keystroke: none may
/// throw, the generator's output must compile whenever it emits any, every diagnostic points into
/// the user's source, and every code fix applies without breaking the syntax.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    [Fact]
    public Task Generated_model_declarations() => FuzzRunner.RunAsync(
        nameof(Generated_model_declarations),
        ciCases: 2000,
        random =>
        {
            string source = new AttributeModelGenerator(random).Next();
            if (random.Next(4) == 0)
            {
                source = new SourceMutator(random).Mutate(source);
            }

            return (source, AllowUnsafe: random.Next(10) != 0);
        },
        output);

    [Fact]
    public Task Mutated_realistic_programs() => FuzzRunner.RunAsync(
        nameof(Mutated_realistic_programs),
        ciCases: 1000,
        random =>
        {
            IReadOnlyList<string> programs = SeedCorpus.Programs;
            string source = programs[random.Next(programs.Count)];
            if (random.Next(5) == 0)
            {
                // A model declaration in the same file as the training code, as in a small project.
                source += "\n" + new AttributeModelGenerator(random).Next().Replace("using NormGen;", "", StringComparison.Ordinal);
            }

            return (new SourceMutator(random).Mutate(source), AllowUnsafe: true);
        },
        output);

    [Fact]
    public void The_seed_corpus_holds_the_realistic_programs()
    {
        Assert.True(SeedCorpus.Programs.Count >= 50, $"only {SeedCorpus.Programs.Count} seed programs");
        Assert.Contains(SeedCorpus.Programs, program => program.Contains("class ResNet", StringComparison.Ordinal));
        Assert.Contains(SeedCorpus.Programs, program => program.Contains("[TensorLayout(", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_seed_gives_the_same_cases()
    {
        string first = new AttributeModelGenerator(FuzzSettings.RandomFor(7, 42)).Next();
        string again = new AttributeModelGenerator(FuzzSettings.RandomFor(7, 42)).Next();
        string mutated = new SourceMutator(FuzzSettings.RandomFor(7, 42)).Mutate(SeedCorpus.Programs[0]);

        Assert.Equal(first, again);
        Assert.Equal(mutated, new SourceMutator(FuzzSettings.RandomFor(7, 42)).Mutate(SeedCorpus.Programs[0]));
        Assert.NotEqual(first, new AttributeModelGenerator(FuzzSettings.RandomFor(7, 43)).Next());
    }
}
