"""Several independently seeded models fitted to the same data, combined by their median forecast."""


class Ensemble:
    """Models trained side by side; ``params`` names each member's parameters ``member<k>.<name>``.

    Parameters
    ----------
    members : list of :class:`numbarnn.nn.SequenceModel`, all of one structure.

    Attributes
    ----------
    members : the models.
    net : the first member's recurrent network (every member runs on the same device).
    """

    def __init__(self, members):
        self.members = list(members)
        self.net = self.members[0].net

    @property
    def params(self):
        return {f"member{k}.{name}": value for k, model in enumerate(self.members)
                for name, value in model.params.items()}

    def load_params(self, values):
        """Copy ``values`` (the names of :attr:`params`) into the members' live arrays."""
        for k, model in enumerate(self.members):
            model.load_params({name: values[f"member{k}.{name}"] for name in model.params})
