print("abtop")
