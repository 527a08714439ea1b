using System.Runtime.InteropServices;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void TorchSharp_initialises_in_the_test_host_and_computes()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var product = a.mm(a);
        Assert.Equal([7f, 10f, 15f, 22f], product.data<float>().ToArray());
        Assert.StartsWith("2.10", torch.__version__.ToString());
    }

    [Fact]
    public void Autograd_works()
    {
        using var x = tensor(new float[] { 3 }).requires_grad_(true);
        using var y = x.pow(2) * 2;
        y.backward();
        Assert.Equal(12f, x.grad!.item<float>());
    }

    [Fact]
    public void A_libtorch_error_surfaces_as_an_exception_carrying_libtorchs_message()
    {
        using var a = ones(2, 3);
        using var b = ones(2, 3);
        var error = Assert.Throws<ExternalException>(() => a.mm(b));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", error.Message);
        var broadcast = Assert.Throws<ExternalException>(() => a.add(ones(4, 5)));
        Assert.Contains("must match the size of tensor b", broadcast.Message);
    }

    [Fact]
    public void Checked_matmul_rejects_bad_shapes_with_an_exception_instead_of_terminating()
    {
        using var a = ones(2, 3);
        var error = Assert.Throws<ArgumentException>(() => CheckedOps.MatMul(a, ones(2, 3)));
        Assert.Contains("[2, 3] and [2, 3]", error.Message);
        Assert.Throws<ArgumentException>(() => CheckedOps.MatMul(ones(2, 4, 3), ones(3, 3, 5)));
        Assert.Throws<ArgumentException>(() => CheckedOps.MatMul(tensor(1f), ones(3)));

        using var batched = CheckedOps.MatMul(ones(4, 2, 3), ones(3, 5));
        Assert.Equal([4L, 2, 5], batched.shape);
        using var broadcast = CheckedOps.MatMul(ones(4, 1, 2, 3), ones(7, 3, 5));
        Assert.Equal([4L, 7, 2, 5], broadcast.shape);
        using var vector = CheckedOps.MatMul(ones(3), ones(3, 2));
        Assert.Equal([2L], vector.shape);
    }
}
