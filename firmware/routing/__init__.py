"""Where a dialled number or an incoming call goes: dial patterns, the dial plan, routes."""
