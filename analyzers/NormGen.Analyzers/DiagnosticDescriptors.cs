using Microsoft.CodeAnalysis;

namespace NormGen.Analyzers;

/// <summary>Every diagnostic the NormGen analyzers report, in one place.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NormGen.Usage";

    /// <summary>The documentation page of a rule.</summary>
    public static string HelpLink(string id) =>
        $"https://github.com/normgen/normgen/blob/main/docs/analyzers/{id}.md";

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity, string description) => new(
        id,
        title,
        message,
        Category,
        severity,
        isEnabledByDefault: true,
        description: description,
        helpLinkUri: HelpLink(id));

    public static readonly DiagnosticDescriptor GroupsDoNotDivideChannels = Create(
        "NGA001",
        "GroupNorm's group count must divide its channel count",
        "GroupNorm splits {1} channels into {0} groups, which does not divide them; use {2} groups",
        DiagnosticSeverity.Error,
        "GroupNorm normalizes C/G channels per group, so G must divide C. PyTorch only fails when the module is built at run time.");

    public static readonly DiagnosticDescriptor KerasMomentum = Create(
        "NGA002",
        "BatchNorm momentum looks like the Keras convention",
        "Momentum {0} gives the new batch a weight of {0}; PyTorch's momentum is the new batch's weight, so Keras' {0} is {1} here",
        DiagnosticSeverity.Warning,
        "In PyTorch and TorchSharp, running = (1 - momentum) * running + momentum * batch, default 0.1. Keras and TensorFlow use the opposite convention (default 0.99).");

    /// <summary>
    /// Reported as a warning for an eps outside [1e-8, 1e-2] and with an error severity for one
    /// that is not positive and finite: one rule, two severities.
    /// </summary>
    public static readonly DiagnosticDescriptor EpsilonOutOfRange = Create(
        "NGA003",
        "Normalization eps is out of range",
        "eps = {0} {1}",
        DiagnosticSeverity.Warning,
        "eps keeps the normalization finite for constant inputs. Zero, negative or non-finite values produce NaN or nonsense; values below 1e-8 vanish next to float32 variances and values above 1e-2 visibly bias the normalized output.");

    public static readonly DiagnosticDescriptor ZeroInitializedGain = Create(
        "NGA004",
        "Norm gain initialized to zero",
        "The gain (weight) of '{0}' is initialized to zero, which blocks the gradient through the normalized path; initialize it to one, or mark a deliberate zero-γ residual",
        DiagnosticSeverity.Warning,
        "A zero γ makes the norm output a constant β: nothing upstream of it learns through this path. Only the last norm of a residual branch is zero-initialized on purpose (zero-γ residual).");

    public static readonly DiagnosticDescriptor InferenceWithoutEval = Create(
        "NGA005",
        "Inference without eval()",
        "'{0}' has {1} and runs under {2} while still in training mode; call {0}.eval() before the block",
        DiagnosticSeverity.Warning,
        "no_grad() and inference_mode() only turn off autograd: BatchNorm keeps normalizing with (and updating) batch statistics and Dropout keeps dropping until the module is switched to eval().");

    public static readonly DiagnosticDescriptor TrainingAfterEval = Create(
        "NGA006",
        "Training after eval() without train()",
        "'{0}' was last switched to eval() before this training step, so BatchNorm and Dropout run in inference mode while it trains; call {0}.train() first",
        DiagnosticSeverity.Warning,
        "A module stays in eval mode until train() is called. A loop that evaluates each epoch must switch back before the next epoch's training steps.");

    public static readonly DiagnosticDescriptor BiasBeforeBatchNorm = Create(
        "NGA007",
        "Bias immediately before BatchNorm",
        "The bias of this {0} is cancelled by the mean subtraction of the BatchNorm that follows it; create it with {1}: false",
        DiagnosticSeverity.Info,
        "BatchNorm subtracts the per-channel batch mean, so a per-channel bias added just before it has no effect on the output and only costs parameters and memory.");

    public static readonly DiagnosticDescriptor HandWrittenLayerNorm = Create(
        "NGA008",
        "Hand-written LayerNorm divides by std + eps",
        "This divides by {0} + eps: {1}eps outside the square root, which is not what LayerNorm computes; use (x.var(..., unbiased: false) + eps).sqrt() or nn.functional.layer_norm",
        DiagnosticSeverity.Warning,
        "LayerNorm divides by sqrt(biased variance + eps). Dividing by std + eps uses the unbiased (n − 1) variance by default and puts eps outside the root, which changes the output for small rows and near-constant inputs and breaks parity with trained PyTorch weights.");

    public static readonly DiagnosticDescriptor DropoutBeforeBatchNorm = Create(
        "NGA009",
        "Dropout directly before BatchNorm",
        "Dropout feeds this BatchNorm directly, so the statistics it learns in training (with dropout) do not match inference (without); put Dropout after the normalization or after the last BatchNorm",
        DiagnosticSeverity.Info,
        "Dropout rescales kept activations by 1/(1 − p), which changes their variance in training only. A BatchNorm right after it learns running statistics of the dropped-out activations and applies them at inference to activations without dropout (the \"variance shift\").");

    public static readonly DiagnosticDescriptor UnregisteredSubmodules = Create(
        "NGA010",
        "Submodules TorchSharp cannot see",
        "{0}",
        DiagnosticSeverity.Warning,
        "TorchSharp finds submodules through RegisterComponents() (or register_module), and only in fields that are modules, ModuleList or ModuleDict. Anything else is skipped by eval(), train(), parameters(), to(device) and state_dict: a BatchNorm there stays in training mode at inference and its weights are never optimized or saved.");

    public static readonly DiagnosticDescriptor LayerNormShapeMismatch = Create(
        "NGA011",
        "LayerNorm's normalized shape contradicts the previous layer",
        "{0} produces {1} {2}, but the LayerNorm after it normalizes a shape whose {3} extent is {4}; the shapes will not match at run time",
        DiagnosticSeverity.Warning,
        "LayerNorm's normalized_shape must equal the trailing extents of its input. After a Linear the last extent is its output size; after a convolution normalized over [C, H, W] the first is its output channel count.");

    public static readonly DiagnosticDescriptor LayerNormFixedResolution = Create(
        "NGA012",
        "LayerNorm over [C, H, W] fixes the input resolution",
        "LayerNorm over {0} ties the model to {1} inputs; to normalize each sample over all channels and positions at any resolution use nn.GroupNorm(1, {2}), or normalize over channels only with a channels-first LayerNorm",
        DiagnosticSeverity.Info,
        "A LayerNorm whose normalized shape includes the spatial extents only accepts that exact resolution, and learns a separate γ and β for every position. GroupNorm(1, C) computes the same statistics at any resolution with per-channel γ and β.");

    public static readonly DiagnosticDescriptor BatchNormOverSequences = Create(
        "NGA013",
        "BatchNorm over sequences",
        "'{0}' holds {1}, so this BatchNorm1d most likely normalizes token features across the batch and time steps, mixing positions and padding into its statistics; use nn.LayerNorm({2})",
        DiagnosticSeverity.Warning,
        "In a sequence model the features of a [B, T, D] tensor are usually flattened to [B·T, D] or transposed for BatchNorm1d: its statistics then mix time steps, sentence lengths and padding, and differ between training and inference. LayerNorm normalizes each token on its own.");

    /// <summary>
    /// Reported as a warning for batches of one sample and as info for batches below the configured
    /// minimum: one rule, two severities.
    /// </summary>
    public static readonly DiagnosticDescriptor SmallBatchBatchNorm = Create(
        "NGA014",
        "BatchNorm trained with tiny batches",
        "{0} contains BatchNorm and trains on batches of {1} ({2}); {3}",
        DiagnosticSeverity.Warning,
        "BatchNorm normalizes with the mean and variance of the current batch. With one sample the variance over the batch is zero for BatchNorm1d (PyTorch refuses it) and the statistics are meaningless; with a handful of samples they are so noisy that training degrades and the running statistics do not match inference. GroupNorm and LayerNorm normalize each sample on its own.");

    public static readonly DiagnosticDescriptor WeightDecayOnNormParameters = Create(
        "NGA015",
        "Weight decay on norm parameters",
        "{0} applies weight decay {1} to every parameter of '{2}', including the γ and β of its norms and its biases; put 1-D parameters in a parameter group without weight decay",
        DiagnosticSeverity.Info,
        "Weight decay pulls every parameter it covers towards zero. For convolution and linear weights that is the intended regularization; for a norm's γ it shrinks the scale of the normalized activations and for β and biases it only adds a bias towards zero, which usually costs accuracy. The usual practice is a second parameter group, without weight decay, for 1-D parameters.");
}
