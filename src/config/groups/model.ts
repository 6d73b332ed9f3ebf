// The model group: the network every member of the population runs. Input and output sizes come
// from the dataset and scenario, so an option file names only the hidden structure. Key names are
// the snake_case of the model registry's options (src/nn/models/registry.ts), so a resolved model
// section maps onto a model config key by key.
import { group } from '../group.js';
import { choice, float, int, ints, optional } from '../spec.js';

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'gelu', 'leaky_relu', 'elu', 'silu', 'identity'] as const;
const activation = choice(ACTIVATIONS, { help: 'nonlinearity after each hidden layer' });
const mlpActivation = choice([...ACTIVATIONS, 'crelu'] as const, {
  help: 'nonlinearity after each hidden layer; crelu = [relu(x), relu(−x)] (Abbas et al. 2023), which doubles the width the next layer reads',
});
const dropout = float({ min: 0, below: 1, help: 'dropout probability after each hidden layer (0 = off)' });

export const model = group({
  name: 'model',
  help: 'network architecture',
  discriminator: 'name',
  common: {},
  variants: {
    mlp: {
      hidden: ints({ min: 1, help: 'widths of the hidden layers; [] is a linear model' }),
      activation: mlpActivation,
      norm: choice(['none', 'batch', 'layer'] as const, { help: 'normalisation after each hidden linear layer: none, BatchNorm or LayerNorm' }),
      dropout,
      init: optional(
        choice(['torch', 'kaiming'] as const, {
          default: 'torch',
          help: "torch: PyTorch's default U(±1/√fan_in); kaiming: He uniform with the activation's gain (head: gain 1) and zero biases, as Dohare et al.'s regression learner; units made anew (continual backprop, ReDo) draw from the same",
        }),
      ),
    },
    cnn: {
      channels: ints({ min: 1, minLength: 1, help: 'output channels of each convolution' }),
      kernel: int({ min: 1, help: 'square kernel size; padding kernel//2 keeps the size for odd kernels' }),
      pooling: choice(['max', 'avg', 'none'] as const, { help: '2x2 pooling after each convolution' }),
      norm: choice(['none', 'batch'] as const, { help: 'BatchNorm after each convolution' }),
      hidden: ints({ min: 1, help: 'widths of the fully connected layers before the output layer' }),
      activation,
      dropout,
    },
    resnet: {
      channels: ints({ min: 1, minLength: 1, help: 'channels of each stage (ResNet-18: [64, 128, 256, 512])' }),
      blocks: ints({ min: 1, minLength: 1, help: 'basic blocks per stage, one entry per stage (ResNet-18: [2, 2, 2, 2])' }),
    },
    vit: {
      patch_size: int({ min: 1, help: 'side of the square patches; must divide the image side' }),
      dim: int({ min: 1, help: 'embedding width; a multiple of heads' }),
      depth: int({ min: 1, help: 'transformer blocks' }),
      heads: int({ min: 1, help: 'attention heads per block' }),
      mlp_dim: int({ min: 1, help: "hidden width of each block's MLP" }),
      activation,
      dropout,
    },
  },
});
