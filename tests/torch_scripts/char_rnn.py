"""Classifying names by language and generating names, with RNNs written from Linear
layers, for PyTorch, after the "NLP From Scratch" tutorials (char_rnn_classification
and char_rnn_generation): one-hot letters built with ``tensor[li][0][i] = 1``,
``nn.LogSoftmax`` with ``NLLLoss``, hand SGD on ``p.data``, ``topk`` for the guess, a
confusion matrix counted with ``+= 1``, and names sampled letter by letter.

The tests run this file as it is with PyTorch, and with only the import lines changed
to ``minigrad.torch``. ``main(argv, init)`` returns the losses, the confusion matrix
and the samples; ``init`` (for the tests) sees both models before training.
"""
import argparse
import glob
import os
import random
import string
import unicodedata

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)


def findFiles(path):
    return glob.glob(path)


# Turn a Unicode string to plain ASCII, thanks to https://stackoverflow.com/a/518232/2809427
def unicodeToAscii(s):
    return "".join(
        c for c in unicodedata.normalize("NFD", s)
        if unicodedata.category(c) != "Mn"
        and c in all_letters
    )


def readLines(filename):
    with open(filename, encoding="utf-8") as some_file:
        return [unicodeToAscii(line.strip()) for line in some_file]


# ---------------------------------------------------------------- classification
def letterToIndex(letter):
    return all_letters.find(letter)


def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()

        self.hidden_size = hidden_size

        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


# ---------------------------------------------------------------- generation
class Generator(nn.Module):
    def __init__(self, n_categories, input_size, hidden_size, output_size):
        super(Generator, self).__init__()
        self.hidden_size = hidden_size

        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def main(argv=None, init=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/names")
    parser.add_argument("--n_iters", type=int, default=100000)
    parser.add_argument("--n_confusion", type=int, default=10000)
    parser.add_argument("--n_hidden", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--double", action="store_true", help="train in float64")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.double:
        torch.set_default_dtype(torch.float64)

    category_lines = {}
    all_categories = []
    for filename in sorted(findFiles(os.path.join(args.data, "*.txt"))):
        category = os.path.splitext(os.path.basename(filename))[0]
        all_categories.append(category)
        lines = readLines(filename)
        category_lines[category] = lines
    n_categories = len(all_categories)

    rnn = RNN(n_letters, args.n_hidden, n_categories)
    gen = Generator(n_categories, n_letters + 1, args.n_hidden, n_letters + 1)  # + EOS
    gen.dropout.p = args.dropout
    if init is not None:
        init(rnn, gen)

    def categoryFromOutput(output):
        top_n, top_i = output.topk(1)
        category_i = top_i[0].item()
        return all_categories[category_i], category_i

    def randomChoice(lst):
        return lst[random.randint(0, len(lst) - 1)]

    def randomTrainingExample():
        category = randomChoice(all_categories)
        line = randomChoice(category_lines[category])
        category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
        line_tensor = lineToTensor(line)
        return category, line, category_tensor, line_tensor

    criterion = nn.NLLLoss()
    # If you set this too high, it might explode. If too low, it might not learn
    learning_rate = 0.005

    def train(category_tensor, line_tensor):
        hidden = rnn.initHidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        # Add parameters' gradients to their values, multiplied by learning rate
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item()

    class_losses = []
    for it in range(1, args.n_iters + 1):
        category, line, category_tensor, line_tensor = randomTrainingExample()
        output, loss = train(category_tensor, line_tensor)
        class_losses.append(loss)
        if it % 100 == 0:
            guess, guess_i = categoryFromOutput(output)
            correct = "✓" if guess == category else "✗ (%s)" % category
            print("%d %.4f %s / %s %s" % (it, loss, line, guess, correct))

    # Keep track of correct guesses in a confusion matrix
    confusion = torch.zeros(n_categories, n_categories)

    def evaluate(line_tensor):
        hidden = rnn.initHidden()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        return output

    for i in range(args.n_confusion):
        category, line, category_tensor, line_tensor = randomTrainingExample()
        output = evaluate(line_tensor)
        guess, guess_i = categoryFromOutput(output)
        category_i = all_categories.index(category)
        confusion[category_i][guess_i] += 1
    # Normalize by dividing every row by its sum
    for i in range(n_categories):
        confusion[i] = confusion[i] / confusion[i].sum()

    def predict(input_line, n_predictions=2):
        with torch.no_grad():
            output = evaluate(lineToTensor(input_line))
            # Get top N categories
            topv, topi = output.topk(n_predictions, 1, True)
            predictions = []
            for i in range(n_predictions):
                value = topv[0][i].item()
                category_index = topi[0][i].item()
                print("(%.2f) %s" % (value, all_categories[category_index]))
                predictions.append([value, all_categories[category_index]])
        return predictions

    predictions = predict(category_lines[all_categories[0]][0])

    # ------------------------------------------------------------ generation
    def categoryTensor(category):
        li = all_categories.index(category)
        tensor = torch.zeros(1, n_categories)
        tensor[0][li] = 1
        return tensor

    def inputTensor(line):
        tensor = torch.zeros(len(line), 1, n_letters + 1)
        for li in range(len(line)):
            letter = line[li]
            tensor[li][0][all_letters.find(letter)] = 1
        return tensor

    def targetTensor(line):
        letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
        letter_indexes.append(n_letters)  # EOS
        return torch.LongTensor(letter_indexes)

    def randomGenerationExample():
        category = randomChoice(all_categories)
        line = randomChoice(category_lines[category])
        return categoryTensor(category), inputTensor(line), targetTensor(line)

    def train_gen(category_tensor, input_line_tensor, target_line_tensor):
        target_line_tensor.unsqueeze_(-1)
        hidden = gen.initHidden()
        gen.zero_grad()
        loss = torch.Tensor([0])  # you can also just simply use ``loss = 0``
        for i in range(input_line_tensor.size(0)):
            output, hidden = gen(category_tensor, input_line_tensor[i], hidden)
            l = criterion(output, target_line_tensor[i])  # noqa: E741
            loss += l
        loss.backward()
        for p in gen.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item() / input_line_tensor.size(0)

    gen_losses = []
    for it in range(1, args.n_iters + 1):
        output, loss = train_gen(*randomGenerationExample())
        gen_losses.append(loss)

    max_length = 20

    def sample(category, start_letter="A"):
        with torch.no_grad():  # no need to track history in sampling
            gen.eval()
            category_tensor = categoryTensor(category)
            input = inputTensor(start_letter)
            hidden = gen.initHidden()
            output_name = start_letter
            for i in range(max_length):
                output, hidden = gen(category_tensor, input[0], hidden)
                topv, topi = output.topk(1)
                topi = topi[0][0]
                if topi == n_letters:
                    break
                else:
                    letter = all_letters[topi]
                    output_name += letter
                input = inputTensor(letter)
            return output_name

    samples = [sample(c, s) for c in all_categories for s in "ABC"]
    print(samples)
    return {"class_losses": class_losses, "confusion": confusion.numpy().copy(),
            "predictions": predictions, "gen_losses": gen_losses, "samples": samples}


if __name__ == "__main__":
    main()
