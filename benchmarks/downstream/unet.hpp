// SPDX-License-Identifier: MIT
// A small U-Net (libtorch) that predicts an anomaly mask from an image, as DRAEM's
// discriminative network does: the detector the downstream benchmark trains on ias samples.
#pragma once

#include <torch/torch.h>

namespace ias_downstream {

/// Two 3×3 convolutions, each followed by batch normalisation and ReLU.
struct double_conv_impl : torch::nn::Module {
    torch::nn::Sequential body{nullptr};
    double_conv_impl(int in, int out) {
        body = register_module(
            "body", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)),
                                          torch::nn::BatchNorm2d(out), torch::nn::ReLU(),
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)),
                                          torch::nn::BatchNorm2d(out), torch::nn::ReLU()));
    }
    torch::Tensor forward(const torch::Tensor& x) { return body->forward(x); }
};
TORCH_MODULE_IMPL(double_conv, double_conv_impl);

/// Three 2× downsamplings with `base`, 2·base, 4·base and 8·base channels, bilinear
/// upsampling with skip connections, one output channel (logits). base = 12 has 274 633
/// parameters for one input channel, the size of the reference network of issue 10.
struct unet_impl : torch::nn::Module {
    double_conv e1{nullptr}, e2{nullptr}, e3{nullptr}, bottom{nullptr}, d3{nullptr}, d2{nullptr}, d1{nullptr};
    torch::nn::Conv2d head{nullptr};

    unet_impl(int in_channels, int base) {
        e1 = register_module("e1", double_conv(in_channels, base));
        e2 = register_module("e2", double_conv(base, 2 * base));
        e3 = register_module("e3", double_conv(2 * base, 4 * base));
        bottom = register_module("bottom", double_conv(4 * base, 8 * base));
        d3 = register_module("d3", double_conv(8 * base + 4 * base, 4 * base));
        d2 = register_module("d2", double_conv(4 * base + 2 * base, 2 * base));
        d1 = register_module("d1", double_conv(2 * base + base, base));
        head = register_module("head", torch::nn::Conv2d(torch::nn::Conv2dOptions(base, 1, 1)));
    }

    torch::Tensor forward(const torch::Tensor& x) {
        namespace F = torch::nn::functional;
        const auto up = [](const torch::Tensor& t, const torch::Tensor& like) {
            return F::interpolate(t, F::InterpolateFuncOptions()
                                         .size(std::vector<int64_t>{like.size(2), like.size(3)})
                                         .mode(torch::kBilinear)
                                         .align_corners(false));
        };
        const auto a = e1(x);
        const auto b = e2(F::max_pool2d(a, F::MaxPool2dFuncOptions(2)));
        const auto c = e3(F::max_pool2d(b, F::MaxPool2dFuncOptions(2)));
        const auto m = bottom(F::max_pool2d(c, F::MaxPool2dFuncOptions(2)));
        auto y = d3(torch::cat({up(m, c), c}, 1));
        y = d2(torch::cat({up(y, b), b}, 1));
        y = d1(torch::cat({up(y, a), a}, 1));
        return head(y);
    }
};
TORCH_MODULE_IMPL(unet, unet_impl);

/// The focal loss of Lin et al. (ICCV 2017) on logits, γ = 2, unweighted as in DRAEM's code:
/// pixels the network already gets right weigh (1 − p_t)² less, so the few anomalous pixels of
/// a mask are not drowned by the many easy normal ones.
inline torch::Tensor focal_loss(const torch::Tensor& logits, const torch::Tensor& target, double gamma = 2.0) {
    const auto p = torch::sigmoid(logits);
    const auto ce = torch::binary_cross_entropy_with_logits(logits, target, {}, {}, torch::Reduction::None);
    const auto p_t = p * target + (1 - p) * (1 - target);
    return ((1 - p_t).pow(gamma) * ce).mean();
}

}  // namespace ias_downstream
