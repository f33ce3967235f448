using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Pitfalls;

/// <summary>Training and evaluation code with the pitfalls that show in how modules are used.</summary>
public static class Training
{
    public static void Train(utils.data.Dataset dataset, Tensor testImages, int epochs)
    {
        var model = new ConvNet();
        var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var batch in utils.data.DataLoader(dataset, batchSize: 64, shuffle: true))
            {
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(batch["data"]), batch["label"]);
                // NGA006: from the second epoch on, the model is still in eval mode here.
                loss.backward();
                optimizer.step();
            }

            model.eval();
            using (no_grad())
            {
                Console.WriteLine(model.call(testImages).argmax(1));
            }
        }
    }

    public static Tensor Predict(Tensor images)
    {
        var model = new ConvNet();
        using (no_grad())
        {
            // NGA005: BatchNorm and Dropout still run in training mode.
            return model.call(images).argmax(1);
        }
    }

    public static void FineTune(Tensor image, Tensor label)
    {
        var model = new ConvNet();
        // NGA015: the decay also shrinks BatchNorm's γ and β and the biases.
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-4, weight_decay: 0.05);
        optimizer.zero_grad();
        // NGA014: one image per batch gives BatchNorm no batch statistics.
        var loss = nn.functional.cross_entropy(model.call(image.unsqueeze(0)), label);
        loss.backward();
        optimizer.step();
    }

    public static void Initialize(ConvNet model)
    {
        var norm = nn.LayerNorm(256);
        using (no_grad())
        {
            // NGA004: a zero γ blocks the gradient through this norm.
            nn.init.zeros_(norm.weight);
        }
    }

    public static Tensor ManualLayerNorm(Tensor x)
    {
        // NGA008: unbiased std and eps outside the square root.
        return (x - x.mean(new long[] { -1 }, keepdim: true)) / (x.std(-1, keepdim: true) + 1e-5);
    }
}
