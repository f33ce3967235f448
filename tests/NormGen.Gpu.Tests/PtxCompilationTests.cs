using System.Linq;
using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace NormGen.Gpu.Tests;

/// <summary>
/// Every generated kernel compiles to PTX for an NVIDIA GPU (ILGPU's PTX backend needs no device), so what
/// the CPU accelerator checks also builds for CUDA: shuffles, barriers, dynamic shared memory, Half and double.
/// </summary>
public sealed class PtxCompilationTests
{
    public static TheoryData<string> KernelMethods
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (System.Type type in KernelTypes)
            {
                foreach (MethodInfo method in type.GetMethods(BindingFlags.NonPublic | BindingFlags.Static).Where(m => m.Name.EndsWith("Kernel", System.StringComparison.Ordinal)))
                {
                    data.Add($"{type.DeclaringType!.Name}.{type.Name}.{method.Name}");
                }
            }

            return data;
        }
    }

    private static System.Type[] KernelTypes =>
        typeof(GpuNorms).GetNestedTypes().Concat(typeof(GpuBatchNorms).GetNestedTypes()).Concat(typeof(GpuGroupNorms).GetNestedTypes())
            .Where(t => t.Name.EndsWith("Gpu", System.StringComparison.Ordinal))
            .ToArray();

    [Theory]
    [MemberData(nameof(KernelMethods))]
    public void Kernel_compiles_to_ptx(string kernel)
    {
        string[] parts = kernel.Split('.');
        MethodInfo method = KernelTypes.Single(t => t.DeclaringType!.Name == parts[0] && t.Name == parts[1])
            .GetMethod(parts[2], BindingFlags.NonPublic | BindingFlags.Static)!;
        using var context = Context.Create(builder => builder.Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_70), CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, nvvmAPI: null);
        var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), KernelSpecialization.Empty);
        string ptx = compiled.PTXAssembly;
        Assert.Contains(".entry", ptx);
        // Kernels with a thread per output element have nothing to reduce: the column reductions over slots and samples,
        // the evaluation forwards (and BatchNorm's evaluation backward without parameters), the running-statistics update,
        // and the channels-first LayerNorm's thread-per-column forward and backward.
        bool threadPerElement = method.Name is "ParameterGradientKernel" or "EvalKernel" or "UpdateRunningKernel"
            || (method.Name == "BackwardEvalKernel" && !method.GetParameters().Any(p => p.Name == "gradWeight"))
            || (method.DeclaringType!.GetField("Inner") is not null && method.Name is "ForwardKernel" or "BackwardKernel");
        if (!threadPerElement)
        {
            // Row statistics are reduced with butterfly shuffles...
            Assert.Contains("shfl.sync.bfly", ptx);
        }

        // ...and nothing is accumulated with atomics, whose order would vary from run to run.
        Assert.DoesNotMatch(@"(?m)^\s*(@%p\d+\s+)?(atom|red)\.", ptx);
    }
}
