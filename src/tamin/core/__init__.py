"""Domain types shared by every part of Tamin; nothing here imports Django."""
