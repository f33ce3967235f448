using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Fuzz.Tests.Infrastructure;

/// <summary>
/// Runs a suite's cases on every core and fails with the replay line and the source of each case that
/// went wrong. A case that runs for a minute counts as a hang.
/// </summary>
internal static class FuzzRunner
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(1);

    /// <param name="suite">The test's name, as <c>--filter</c> selects it.</param>
    /// <param name="ciCases">How many cases CI runs.</param>
    /// <param name="caseFor">The source of a case, and whether its compilation allows unsafe code.</param>
    public static async Task RunAsync(string suite, int ciCases, Func<Random, (string Source, bool AllowUnsafe)> caseFor, ITestOutputHelper output)
    {
        int cases = FuzzSettings.CasesFor(ciCases);
        IEnumerable<int> indices = FuzzSettings.ReplayCase is int replay ? [replay] : Enumerable.Range(0, cases);
        var failures = new ConcurrentQueue<string>();
        int accepted = 0, compiled = 0, diagnostics = 0, fixes = 0, done = 0;
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(
            indices,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (index, cancellationToken) =>
            {
                if (failures.Count >= 5)
                {
                    return;
                }

                (string source, bool allowUnsafe) = caseFor(FuzzSettings.RandomFor(FuzzSettings.Seed, index));
                string header = $"{FuzzSettings.ReplayHint(suite, index)}, unsafe code {(allowUnsafe ? "allowed" : "not allowed")}";
                try
                {
                    Task<CheckResult> check = ToolchainCheck.RunAsync(
                        source,
                        allowUnsafe,
                        compileGenerated: index % FuzzSettings.CompileEvery == 0 || FuzzSettings.ReplayCase is not null,
                        maxFixedDiagnostics: 3,
                        cancellationToken);
                    if (await Task.WhenAny(check, Task.Delay(HangLimit, cancellationToken)) != check)
                    {
                        failures.Enqueue($"{header}\nDid not finish within {HangLimit}.\n--- source ---\n{source}");
                        return;
                    }

                    CheckResult result = await check;
                    Interlocked.Add(ref accepted, result.Accepted);
                    Interlocked.Add(ref compiled, result.Compiled);
                    Interlocked.Add(ref diagnostics, result.Diagnostics);
                    Interlocked.Add(ref fixes, result.FixesApplied);
                    if (result.Problems.Count > 0)
                    {
                        failures.Enqueue($"{header}\n{string.Join("\n", result.Problems)}\n--- source ---\n{source}");
                    }
                }
                catch (Exception exception)
                {
                    failures.Enqueue($"{header}\nThe check itself failed: {exception}\n--- source ---\n{source}");
                }

                Interlocked.Increment(ref done);
            });

        output.WriteLine(
            $"{suite}: seed {FuzzSettings.Seed}, {done} cases in {clock.Elapsed.TotalSeconds:F1} s: {accepted} generated files ({compiled} compiled), " +
            $"{diagnostics} diagnostics, {fixes} diagnostics run through their code fixes, {failures.Count} failing.");
        Assert.True(failures.IsEmpty, string.Join("\n\n=====\n\n", failures));
    }
}
