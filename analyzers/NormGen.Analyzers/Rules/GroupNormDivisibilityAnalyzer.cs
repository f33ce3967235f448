using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA001: <c>nn.GroupNorm(groups, channels)</c> with constants where groups does not divide
/// channels. PyTorch only throws when the module is constructed; here it is a build error.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GroupNormDivisibilityAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The property holding the suggested group count, for the code fix.</summary>
    public const string GroupsProperty = "Groups";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.GroupsDoNotDivideChannels);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (TorchSharpSymbols.TryCreate(start.Compilation) is not { } torch)
            {
                return;
            }

            start.RegisterOperationAction(context => Analyze(context, torch), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, TorchSharpSymbols torch)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!torch.IsNnFactory(invocation.TargetMethod, "GroupNorm"))
        {
            return;
        }

        // Both counts must be known at compile time; anything computed is the run time's business.
        if (invocation.ExplicitArgument("num_groups") is not { } groupsArgument ||
            invocation.ExplicitArgument("num_channels") is not { } channelsArgument ||
            groupsArgument.Value.ConstantInt64() is not { } groups ||
            channelsArgument.Value.ConstantInt64() is not { } channels ||
            channels <= 0)
        {
            return;
        }

        if (groups > 0 && channels % groups == 0)
        {
            return;
        }

        if (channels > MaxChannels)
        {
            // No layer has that many channels, and the divisor search must stay instant while typing.
            return;
        }

        long suggestion = NearestDivisor(channels, groups);
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.GroupsDoNotDivideChannels,
            groupsArgument.Value.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(GroupsProperty, suggestion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            groups,
            channels,
            suggestion));
    }

    /// <summary>The largest channel count the rule searches divisors of (about a million steps).</summary>
    private const long MaxChannels = 1L << 40;

    /// <summary>
    /// The divisor of <paramref name="channels"/> closest to <paramref name="groups"/>; on a tie the
    /// smaller one (more channels per group gives steadier statistics).
    /// </summary>
    public static long NearestDivisor(long channels, long groups)
    {
        long best = 1;
        for (long d = 1; d <= channels / d; d++)
        {
            if (channels % d != 0)
            {
                continue;
            }

            best = Closer(best, d, groups);
            best = Closer(best, channels / d, groups);
        }

        return best;

        static long Closer(long current, long candidate, long target)
        {
            // In decimal: a target near long.MinValue or long.MaxValue must not overflow the distance.
            decimal a = System.Math.Abs((decimal)current - target), b = System.Math.Abs((decimal)candidate - target);
            return b < a || (b == a && candidate < current) ? candidate : current;
        }
    }
}
